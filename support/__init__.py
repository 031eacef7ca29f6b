"""Support (DESIGN.md §6): the Intercom chat's configuration, opening hours and tickets."""
