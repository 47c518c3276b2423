"""Deploy: loading apps, the server and the command line."""
