from pathlib import Path

Path("PWNED").write_text("show.yml ran this file")


class Engine:
    pass
