from runtime.migrations import run_env
from services.rectification.models import Base

run_env(Base.metadata)
