"""Ministries' notifications: digests of what waits for each ministry, by mail (SMTP) and SMS."""
