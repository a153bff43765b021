// libpq and libgit2, as the daemon holds them while idle; no Foundation.
import GitProbe
import Idle
import PostgresProbe

idle(keeping: connectPostgres(), openRepository())
