from safety.safety import SCHEMA, register, safety_settings

__all__ = ["SCHEMA", "register", "safety_settings"]
