package enum PlaceholderSupervisor {}
