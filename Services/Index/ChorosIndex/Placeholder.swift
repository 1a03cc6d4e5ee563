package enum PlaceholderIndex {}
