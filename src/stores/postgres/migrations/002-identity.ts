/**
 * The database's identity, the latest time stamped and each dataset's generation, which SQLite's
 * schema gained in its second version: PostgreSQL's first version had them already.
 */
export default '';
