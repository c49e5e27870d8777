package scan

// jwtSecrets are HMAC secrets found in tutorials, samples and leaked
// configurations; the authn check tries each against a supplied HS token,
// offline. "secret" (the tutorial's) must stay first.
func jwtSecrets() []string {
	return []string{
		"secret", "Secret", "SECRET", "secret123", "secretkey", "secret_key", "secret-key", "mysecret",
		"my_secret", "my-secret", "mysecretkey", "my_secret_key", "supersecret", "super-secret", "topsecret",
		"jwt_secret", "jwtsecret", "jwt-secret", "JWT_SECRET", "your-256-bit-secret", "your-secret-key",
		"your_jwt_secret", "changeme", "changeit", "password", "password123", "123456", "12345678",
		"qwerty", "admin", "key", "private", "default", "test", "testing", "dev", "development",
		"s3cr3t", "shhhhh", "shhhhhhared-secret", "keyboard cat", "hello", "token", "auth", "api",
		"flask", "django", "SECRET_KEY", "app_secret", "abc123", "letmein", "notasecret", "example",
	}
}

// staticTokens are hard-coded API tokens seen in tutorials and samples;
// the authn check sends each, with and without "Bearer ", to an operation
// that refuses anonymous requests.
func staticTokens() []string {
	return []string{
		"YourSecretToken", "mysecrettoken", "secret", "secrettoken", "secret-token", "token", "mytoken",
		"changeme", "password", "admin", "test", "apikey", "api_key", "supersecret", "letmein", "123456",
	}
}
