"""Route modules register themselves in gateway.routing.ROUTES when imported.

Every module of this package is imported, so a mechanism adds its routes by adding
``gateway/routes/<mechanism>.py`` and nothing else.
"""

import importlib
import pkgutil

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_module.name}")
