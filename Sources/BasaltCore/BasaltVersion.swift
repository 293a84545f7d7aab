/// Basalt's release, as the shell, the status pages and `/jmx` report it.
public enum BasaltVersion {
    public static let current = "0.7.0"
}
