"""`apigw export`: a spec written for apigw as the managed gateway imports it."""
