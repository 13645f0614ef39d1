package io.fraudgraph.neo4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.kernel.internal.Version;

/**
 * Starts an embedded Neo4j Community DBMS with Bolt on loopback and blocks until SIGTERM.
 *
 * <p>Arguments: {@code --home DIR --bolt-port N [--http-port N] [--pagecache SIZE]}. The password
 * comes from the environment variable {@code FRAUDGRAPH_NEO4J_LOCAL_PASSWORD} so that it never
 * shows in the process list. One line starting with {@code FRAUDGRAPH_NEO4J_READY} is printed on
 * stdout once Bolt accepts connections; the Python side waits for Bolt itself, the line is for
 * people reading the log.
 */
public final class Launcher {
  private static final String PASSWORD_ENV = "FRAUDGRAPH_NEO4J_LOCAL_PASSWORD";

  private Launcher() {}

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> opts = parseArgs(args);
    String password = System.getenv(PASSWORD_ENV);
    if (password == null || password.length() < 8) {
      System.err.println("FRAUDGRAPH_NEO4J_ERROR " + PASSWORD_ENV + " must hold a password of at least 8 characters");
      System.exit(2);
    }
    Path home = Path.of(require(opts, "home")).toAbsolutePath();
    int boltPort = Integer.parseInt(require(opts, "bolt-port"));
    int httpPort = Integer.parseInt(opts.getOrDefault("http-port", "0"));

    Path conf = writeConfig(home, config(opts, boltPort, httpPort));
    DatabaseManagementService dbms =
        new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(conf).build();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("FRAUDGRAPH_NEO4J_STOPPING");
                  dbms.shutdown();
                  System.out.println("FRAUDGRAPH_NEO4J_STOPPED");
                  stopped.countDown();
                },
                "fraudgraph-neo4j-shutdown"));
    setPassword(dbms.database("system"), password);
    System.out.println(
        "FRAUDGRAPH_NEO4J_READY bolt://127.0.0.1:" + boltPort + " version=" + Version.getNeo4jVersion()
            + (httpPort > 0 ? " http://127.0.0.1:" + httpPort : ""));
    System.out.flush();
    stopped.await();
  }

  private static Map<String, String> config(Map<String, String> opts, int boltPort, int httpPort) {
    Map<String, String> cfg = new HashMap<>();
    cfg.put("server.bolt.enabled", "true");
    cfg.put("server.bolt.listen_address", "127.0.0.1:" + boltPort);
    cfg.put("server.bolt.advertised_address", "127.0.0.1:" + boltPort);
    cfg.put("server.bolt.tls_level", "DISABLED");
    cfg.put("dbms.security.auth_enabled", "true");
    cfg.put("server.http.enabled", httpPort > 0 ? "true" : "false");
    if (httpPort > 0) {
      cfg.put("server.http.listen_address", "127.0.0.1:" + httpPort);
      cfg.put("server.http.advertised_address", "127.0.0.1:" + httpPort);
    }
    cfg.put("server.https.enabled", "false");
    cfg.put("server.memory.pagecache.size", opts.getOrDefault("pagecache", "512m"));
    // A development server: keep transaction logs small so bulk loads don't fill the disk.
    cfg.put("db.tx_log.rotation.retention_policy", "256M size");
    cfg.put("dbms.usage_report.enabled", "false");
    return cfg;
  }

  /** Writes the settings as a neo4j.conf under the home folder, regenerated at every start. */
  private static Path writeConfig(Path home, Map<String, String> cfg) {
    Path conf = home.resolve("conf").resolve("neo4j.conf");
    StringBuilder text = new StringBuilder("# Written by the fraudgraph launcher at each start; edits are lost.\n");
    new TreeMap<>(cfg).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
    try {
      Files.createDirectories(conf.getParent());
      Files.writeString(conf, text.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + conf, e);
    }
    return conf;
  }

  /** Sets the neo4j user's password to the configured one; the embedded API runs with full rights. */
  private static void setPassword(GraphDatabaseService system, String password) {
    try {
      system.executeTransactionally(
          "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
    } catch (RuntimeException e) {
      // Raised when the stored password already equals the configured one: nothing to do.
      String msg = String.valueOf(e.getMessage()) + String.valueOf(e.getCause());
      if (!msg.toLowerCase().contains("same")) {
        throw e;
      }
    }
  }

  private static Map<String, String> parseArgs(String[] args) {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
      }
      opts.put(args[i].substring(2), args[i + 1]);
    }
    return opts;
  }

  private static String require(Map<String, String> opts, String name) {
    String value = opts.get(name);
    if (value == null) {
      throw new IllegalArgumentException("missing required argument --" + name);
    }
    return value;
  }
}
