from runtime.migrations import run_env
from services.sharing.models import Base

run_env(Base.metadata)
