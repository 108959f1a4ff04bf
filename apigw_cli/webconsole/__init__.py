"""The console page at the admin prefix (`/_apigw/`): the API's reference, its routes, live
traffic, metrics charts, reloads and the stage served, for a person in a browser."""
