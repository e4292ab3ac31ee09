"""Moving comments in and out: imports (WordPress WXR, this project's JSON) and exports."""
