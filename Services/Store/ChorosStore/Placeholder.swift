package enum PlaceholderStore {}
