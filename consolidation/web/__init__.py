"""The stewards' web app: FastAPI routes, Jinja2 templates, static assets and sign-in."""
