"""The dev-only demo app: `seed_demo`, the demo story (story.py) and each domain app's demo
builder, and the benchmark data generator (scale.py). Installed by the dev and test settings
only, never by production: demo users have a known password. It sits on top of every layer
(it may import any app); nothing outside it imports it."""
