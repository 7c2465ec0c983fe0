"""The extension objects, created once and bound to each app in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from flask_loyalty import Loyalty

babel = Babel()
db = SQLAlchemy()
loyalty = Loyalty(db=db)
login_manager = LoginManager()
csrf = CSRFProtect()
