"""Operations: backup and restore, integrity, retention, notifications."""
