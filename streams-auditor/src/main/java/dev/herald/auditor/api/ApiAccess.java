package dev.herald.auditor.api;

import dev.herald.auditor.api.ApiTokens.Principal;
import dev.herald.auditor.api.ApiTokens.Role;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Who may use the API, decided per request before any handler runs:
 *
 * <ol>
 *   <li><b>Host check</b> (against DNS rebinding: a web page on {@code evil.example} whose name
 *       resolves to the auditor's address sends {@code Host: evil.example}): the {@code Host}
 *       header must name the bind address, {@code localhost}, a loopback address, an address of
 *       this machine when bound to all interfaces, or one of the configured allowed hosts.
 *   <li><b>Authentication</b>: with a token file, every request but {@code /health} and the
 *       dashboard's static files needs {@code Authorization: Bearer <token>}; without one, the API
 *       is open only when bound to a loopback address (the demo), and answers 401 on any other
 *       bind, so exposing it by mistake exposes nothing.
 * </ol>
 *
 * <pre>{@code
 * ApiAccess access = ApiAccess.of("0.0.0.0", ApiTokens.load(file), Set.of("auditor.example"));
 * Principal p = access.authenticate("Bearer abc...");   // throws ApiException 401
 * }</pre>
 */
public final class ApiAccess {
  private final ApiTokens tokens;
  private final boolean open;
  private final Set<String> allowedHosts;
  private final String bindHost;

  private ApiAccess(String bindHost, ApiTokens tokens, Set<String> allowedHosts) {
    this.bindHost = bindHost;
    this.tokens = tokens;
    this.open = tokens == null && isLoopback(bindHost);
    this.allowedHosts = allowedHosts;
  }

  /**
   * @param bindHost the address the server binds ({@code 0.0.0.0} or {@code ::} for all)
   * @param tokens the token file, or null for none
   * @param extraHosts further names clients use in {@code Host} (a load balancer's name, the
   *     advertised host), lower case, without port
   */
  public static ApiAccess of(String bindHost, ApiTokens tokens, Set<String> extraHosts) {
    Set<String> hosts = new LinkedHashSet<>();
    hosts.add("localhost");
    hosts.add("127.0.0.1");
    hosts.add("::1");
    hosts.add(normalise(bindHost));
    if (isWildcard(bindHost)) {
      hosts.addAll(localAddresses());
    }
    extraHosts.forEach(h -> hosts.add(normalise(h)));
    return new ApiAccess(bindHost, tokens, Collections.unmodifiableSet(hosts));
  }

  /** No authentication, loopback only: what tests and the demo use by default. */
  public static ApiAccess loopbackOpen() {
    return of("127.0.0.1", null, Set.of());
  }

  /** Whether requests need no token (loopback bind and no token file). */
  public boolean open() {
    return open;
  }

  /** Whether a token file is configured. */
  public boolean tokensConfigured() {
    return tokens != null;
  }

  public Set<String> allowedHosts() {
    return allowedHosts;
  }

  /** Refuses a request whose {@code Host} header is not one of {@link #allowedHosts()}. */
  public void checkHost(String hostHeader) {
    if (hostHeader == null || hostHeader.isBlank()) {
      throw new ApiException(
          400, "missing Host header", "HTTP/1.1 requests must carry a Host header");
    }
    String host = stripPort(hostHeader.trim());
    if (!allowedHosts.contains(normalise(host))) {
      throw new ApiException(
          403,
          "host not allowed",
          "this server does not answer to Host '"
              + host
              + "' (protection against DNS rebinding); add it with --http-allowed-host");
    }
  }

  /** The caller of a request with this {@code Authorization} header; 401 when there is none. */
  public Principal authenticate(String authorization) {
    if (open) {
      return Principal.LOCAL;
    }
    if (tokens == null) {
      throw new ApiException(
          401,
          "authentication required",
          "the API is bound to "
              + bindHost
              + ", not to a loopback address, and has no token file: it answers no request."
              + " Start it with --api-tokens FILE and send 'Authorization: Bearer <token>'"
              + " (docs/api.md, Authentication)");
    }
    if (authorization == null || authorization.isBlank()) {
      throw new ApiException(
          401,
          "authentication required",
          "send 'Authorization: Bearer <token>' with a token listed in the auditor's token"
              + " file (docs/api.md, Authentication)");
    }
    String[] parts = authorization.trim().split("\\s+", 2);
    if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")) {
      throw new ApiException(
          401,
          "authentication required",
          "only bearer tokens are accepted: 'Authorization: Bearer <token>'");
    }
    return tokens
        .authenticate(parts[1])
        .orElseThrow(
            () ->
                new ApiException(
                    401,
                    "invalid token",
                    "the bearer token is not in the auditor's token file (or was removed)"));
  }

  /** Refuses {@code who} with 403 unless its role covers {@code needed}. */
  public static void require(Principal who, Role needed, String what) {
    if (!who.role().covers(needed)) {
      throw new ApiException(
          403,
          "forbidden",
          what
              + " needs the "
              + needed.name().toLowerCase(Locale.ROOT)
              + " role; token '"
              + who.name()
              + "' is a "
              + who.role().name().toLowerCase(Locale.ROOT));
    }
  }

  /** Whether {@code host} means "every interface" ({@code 0.0.0.0}, {@code ::}). */
  public static boolean isWildcardHost(String host) {
    return isWildcard(host);
  }

  static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static String stripPort(String host) {
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end > 0 ? host.substring(1, end) : host;
    }
    int colon = host.indexOf(':');
    return colon >= 0 && host.indexOf(':', colon + 1) < 0 ? host.substring(0, colon) : host;
  }

  private static String normalise(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    int zone = h.indexOf('%');
    return zone >= 0 ? h.substring(0, zone) : h;
  }

  private static Set<String> localAddresses() {
    Set<String> out = new LinkedHashSet<>();
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          out.add(normalise(a.getHostAddress()));
        }
      }
      out.add(normalise(InetAddress.getLocalHost().getHostName()));
    } catch (SocketException | UnknownHostException e) {
      // only the explicit names then
    }
    return out;
  }
}
