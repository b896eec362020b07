"""Search: Kazakh-aware text analysis (both scripts), Russian and English stemming, the index and queries."""
