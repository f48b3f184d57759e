// A Neo4j 5 test server on 127.0.0.1 for the test suite (tests/support/neo4j_server.py).
//
// Usage: java -cp 'lib/*' Launcher.java HOME_DIR
// Starts Neo4j (the embedded DBMS the test harness is built on) with Bolt on a free
// loopback port and prints "bolt://127.0.0.1:PORT" once the database answers. Then it
// reads commands on stdin: "stop" shuts the DBMS down (prints "stopped"), "start" starts
// it again on the same port and the same data (prints the URI again). It exits when stdin
// closes. NEO4J_TEST_PASSWORD, when set, enables authentication for user neo4j;
// NEO4J_TEST_PAGECACHE (e.g. "3g") sizes the page cache (default 64m: test graphs are
// small; a benchmark sizes it to its store, as a production server would be).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

public class Launcher {
    private static DatabaseManagementService dbms;
    private static boolean passwordSet;

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]).toAbsolutePath();
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        String password = System.getenv("NEO4J_TEST_PASSWORD");
        Runtime.getRuntime().addShutdownHook(new Thread(Launcher::stop));
        start(home, port, password);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            switch (line.trim()) {
                case "stop" -> {
                    stop();
                    System.out.println("stopped");
                    System.out.flush();
                }
                case "start" -> start(home, port, password);
                default -> { }
            }
        }
        stop();
    }

    private static void start(Path home, int port, String password) throws Exception {
        if (dbms != null) {
            announce(port);
            return;
        }
        dbms = new DatabaseManagementServiceBuilder(home)
            .setConfig(BoltConnector.enabled, true)
            .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
            .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
            .setConfig(HttpConnector.enabled, false)
            .setConfig(GraphDatabaseSettings.auth_enabled, password != null)
            .setConfig(GraphDatabaseSettings.pagecache_memory, pageCacheBytes())
            .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
            .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(1))
            .loadPropertiesFromFile(fastShutdownConfig(home))
            .build();
        if (password != null && !passwordSet) {
            try {
                dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
            } catch (org.neo4j.graphdb.QueryExecutionException e) {
                // A home kept from an earlier run already has this password.
                if (!String.valueOf(e.getMessage()).contains("cannot be the same")) {
                    throw e;
                }
            }
            passwordSet = true;
        }
        dbms.database("neo4j").executeTransactionally("RETURN 1");
        announce(port);
    }

    private static long pageCacheBytes() {
        String size = System.getenv("NEO4J_TEST_PAGECACHE");
        return ByteUnit.parse(size == null || size.isBlank() ? "64m" : size.trim());
    }

    // Stop quickly: an outage test wants the port gone, not a graceful drain.
    private static Path fastShutdownConfig(Path home) throws java.io.IOException {
        Files.createDirectories(home);
        Path conf = home.resolve("fast-shutdown.conf");
        Files.writeString(conf, String.join("\n",
            "internal.dbms.bolt.netty_server_shutdown_quiet_period=0",
            "internal.dbms.bolt.netty_server_shutdown_timeout=1s",
            "internal.server.bolt.connection_shutdown_wait_time=0s",
            "internal.server.bolt.thread_pool_shutdown_wait_time=1s", ""));
        return conf;
    }

    private static void announce(int port) {
        System.out.println("bolt://127.0.0.1:" + port);
        System.out.flush();
    }

    private static synchronized void stop() {
        if (dbms != null) {
            dbms.shutdown();
            dbms = null;
        }
    }
}
