"""Who may do what, and how much: tokens, rate limits, the login throttle, the security
headers and CORS middleware, the login forms, and redaction of personal details."""
