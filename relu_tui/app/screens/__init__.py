"""The app's screens: the main view, compare, help, the scenario picker and the sweep."""
