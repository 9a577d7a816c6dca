/**
 * Herald's embedded, Confluent-compatible schema registry ({@link
 * dev.herald.infra.registry.EmbeddedSchemaRegistry}), started by {@code herald registry}.
 *
 * <h2>Store</h2>
 *
 * Every registration and level change is a JSON record in the compacted, single-partition topic
 * {@code _herald_schemas}; an instance reads it from the beginning on start and keeps reading, so
 * state survives restarts and every instance on the cluster has the same ids. Schema records are
 * keyed by a unique claim id (compaction never removes one); config records by subject (compaction
 * keeps the latest level).
 *
 * <h2>Concurrent writers</h2>
 *
 * No leader: a writer catches up, writes a claim (subject, next version, id = the schema text's id
 * or the largest id + 1) and reads back to its own record. All instances apply claims in log order
 * with one deterministic rule ({@code RegistryState.applyClaim}); a claim that lost a race is
 * ignored everywhere and its writer retries. The compatibility check is made by the writer on the
 * state it read, so two instances registering mutually incompatible schemas under one subject in
 * the same instant could both succeed; Confluent avoids that with leader election, which we judged
 * not worth its weight for a zero-setup default.
 *
 * <h2>API</h2>
 *
 * {@code GET /subjects}, {@code GET|POST /subjects/{s}/versions}, {@code POST /subjects/{s}}
 * (lookup), {@code GET /subjects/{s}/versions/{v}[/schema]}, {@code GET /schemas/ids/{id}[/schema|
 * /versions]}, {@code GET /schemas/types}, {@code POST /compatibility/subjects/{s}/versions[/{v}]},
 * {@code GET|PUT /config[/{s}]}, {@code GET /mode}. Errors are {@code {"error_code":…,
 * "message":…}} with Confluent's codes: 40401, 40402, 40403, 40408, 409, 42201, 42202, 42203,
 * 50001. Schema references ({@code "references":[{"name","subject","version"}]}) are resolved
 * against the registered versions when a schema is registered, looked up or checked; the schema is
 * stored resolved (self-contained), so it has the id of the same schema registered without
 * references and is read back without any. Not supported: deletes, modes other than READWRITE,
 * schema types other than AVRO.
 */
package dev.herald.infra.registry;
