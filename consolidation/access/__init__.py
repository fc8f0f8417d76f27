"""Who may use the web app: users, roles, passwords (argon2) and server-side sessions."""
