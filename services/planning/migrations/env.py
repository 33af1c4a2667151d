from runtime.migrations import run_env
from services.planning.models import Base

run_env(Base.metadata)
