"""One module per data source: download URL, licence, reader (schema check) and cleaner to tidy units."""
