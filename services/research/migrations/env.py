from runtime.migrations import run_env
from services.research.models import Base

run_env(Base.metadata)
