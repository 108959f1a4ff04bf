"""IAM authorization: SigV4 signatures checked against local credentials, and policies evaluated."""
