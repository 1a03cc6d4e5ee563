package enum PlaceholderAudit {}
