"""Support: the Intercom chat's configuration, opening hours and tickets."""
