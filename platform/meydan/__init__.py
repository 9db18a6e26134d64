"""Meydan core: settings, urls, accounts, sanitize, images and shared plumbing."""
