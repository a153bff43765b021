// libpq with one open connection.
import Idle
import PostgresProbe

idle(keeping: connectPostgres())
