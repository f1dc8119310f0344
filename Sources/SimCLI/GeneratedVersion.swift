let generatedVersion = "0.1.0-dev"
