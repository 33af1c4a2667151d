from runtime.migrations import run_env
from services.leads.models import Base

run_env(Base.metadata)
