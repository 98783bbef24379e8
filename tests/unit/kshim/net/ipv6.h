/* kshim: nothing needed */
