package enum PlaceholderGateway {}
