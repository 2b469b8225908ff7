"""Running Spor in production: security headers, health checks, error pages, the job worker."""
