from search_engines.search_engines import SCHEMA, register, robots_txt, search_engine_settings, sitemap_entries, sitemap_xml

__all__ = ["SCHEMA", "register", "robots_txt", "search_engine_settings", "sitemap_entries", "sitemap_xml"]
