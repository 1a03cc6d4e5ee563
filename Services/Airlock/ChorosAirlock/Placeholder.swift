package enum PlaceholderAirlock {}
