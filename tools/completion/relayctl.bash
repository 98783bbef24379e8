# SPDX-License-Identifier: GPL-2.0
# bash completion for relayctl(8)

_relayctl_devices() {
	local d
	for d in /sys/class/net/*/wgrelay; do
		[[ -d $d ]] || continue
		d=${d%/wgrelay}
		echo "${d##*/}"
	done
}

_relayctl_configs() {
	local f
	for f in /etc/wgrelay/*.conf; do
		[[ -e $f ]] || continue
		f=${f##*/}
		echo "${f%.conf}"
	done 2>/dev/null
}

_relayctl() {
	local cur prev words cword cmd
	_init_completion || return
	local commands="show showconf set setconf addconf syncconf flush up down save restore peer-config diagnose metrics monitor help version"

	if ((cword == 1)); then
		mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
		return
	fi
	cmd=${words[1]}
	case $cmd in
	up)
		((cword == 2)) && mapfile -t COMPREPLY < <(compgen -W "$(_relayctl_configs)" -- "$cur")
		;;
	show)
		if ((cword == 2)); then
			mapfile -t COMPREPLY < <(compgen -W "all $(_relayctl_devices)" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "peers sessions stats --json" -- "$cur")
		fi
		;;
	metrics)
		if [[ $prev == --output ]]; then
			_filedir prom
		elif ((cword == 2)); then
			mapfile -t COMPREPLY < <(compgen -W "all $(_relayctl_devices) --output" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "--output" -- "$cur")
		fi
		;;
	monitor)
		mapfile -t COMPREPLY < <(compgen -W "--json $(_relayctl_devices)" -- "$cur")
		;;
	set)
		if ((cword == 2)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_relayctl_devices)" -- "$cur")
			return
		fi
		case $prev in
		roaming | fast-path)
			mapfile -t COMPREPLY < <(compgen -W "on off" -- "$cur")
			;;
		listen-port | session-timeout | binding-timeout | max-sessions | discovery-fanout | \
			peer | name | endpoint | allowed-peers) ;;
		*)
			mapfile -t COMPREPLY < <(compgen -W "listen-port session-timeout binding-timeout \
				max-sessions discovery-fanout roaming fast-path replace-peers peer name \
				endpoint allowed-peers remove" -- "$cur")
			;;
		esac
		;;
	showconf | flush | down | save | restore)
		((cword == 2)) && mapfile -t COMPREPLY < <(compgen -W "$(_relayctl_devices)" -- "$cur")
		;;
	peer-config | diagnose)
		if ((cword == 2)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_relayctl_devices)" -- "$cur")
		elif [[ $prev == --endpoint ]]; then
			:
		elif ((cword == 3)); then
			mapfile -t COMPREPLY < <(compgen -W "$(relayctl show "${words[2]}" peers 2>/dev/null |
				cut -f2)" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "--endpoint --json" -- "$cur")
		fi
		;;
	setconf | addconf | syncconf)
		if ((cword == 2)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_relayctl_devices)" -- "$cur")
		elif ((cword == 3)); then
			_filedir conf
		fi
		;;
	esac
} &&
	complete -F _relayctl relayctl
