"""The five services, one mechanism each."""
