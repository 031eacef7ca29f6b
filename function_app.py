"""Composition root: one FunctionApp, one Blueprint per area.

The Functions host (and devhost/ locally) imports this module and serves what
is registered here; all configuration comes from app settings (shared.config).
"""

import gc
import logging

import azure.functions as func

# No collections while the areas are imported: they build many objects and free almost
# none, so the collector's passes were a tenth of a cold start (bench/bench_cold_start.py).
# Enabled again at the end, once what they built is frozen out of its sight.
gc.disable()

from admin.routes import bp as admin_bp
from auth.routes import bp as auth_bp
from meta.routes import bp as meta_bp
from projects.routes import bp as projects_bp
from quantities.file_routes import bp as files_bp
from quantities.routes import bp as quantities_bp
from shared.config import get_settings
from support.routes import bp as support_bp

settings = get_settings()  # a wrong setting stops the app here, naming it
logging.getLogger("casai").setLevel(settings.log_level)
logging.getLogger("azure").setLevel(logging.WARNING)  # the SDKs log every HTTP call at INFO

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
for blueprint in (meta_bp, auth_bp, projects_bp, quantities_bp, files_bp, support_bp, admin_bp):
    app.register_functions(blueprint)

# Everything imported so far lives as long as the process: move it out of the garbage
# collector's sight, so collections during large requests scan only request objects.
gc.freeze()
gc.enable()
