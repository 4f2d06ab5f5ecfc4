-- oktalake: a duckdb table per stream over the parquet objects under s3://okta-lake/data/okta/
INSTALL httpfs;
LOAD httpfs;
CREATE SCHEMA IF NOT EXISTS "okta";

-- users: Users of every status, DEPROVISIONED included; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."users" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/users/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- groups: Groups, with member counts from expand=stats; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."groups" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/groups/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- group_members: Members of each non-empty group; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."group_members" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/group_members/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- applications: Applications; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."applications" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/applications/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- application_users: Users assigned to each application; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."application_users" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/application_users/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- application_groups: Groups assigned to each application; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."application_groups" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/application_groups/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- custom_roles: Custom admin roles; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."custom_roles" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/custom_roles/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- permissions: Permissions of each custom role; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."permissions" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/permissions/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- user_role_assignments: Admin roles assigned to users (admins only, from /iam/assignees/users); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."user_role_assignments" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/user_role_assignments/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- group_role_assignments: Admin roles assigned to groups; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."group_role_assignments" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/group_role_assignments/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- resource_sets: Resource sets of custom admin roles; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."resource_sets" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/resource_sets/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- group_rules: Group rules: the expressions that assign users to groups; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."group_rules" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/group_rules/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- user_types: User types (the default one and the org's own); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."user_types" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/user_types/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- user_schema: The user profile schema, the org's custom attributes included (one record); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."user_schema" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/user_schema/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- devices: Devices registered with Okta (Identity Engine); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."devices" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/devices/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- authenticators: Authenticators (email, password, Okta Verify, ...); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE OR REPLACE VIEW "okta"."authenticators" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/authenticators/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);

-- logs: System log events
CREATE OR REPLACE VIEW "okta"."logs" AS
SELECT * FROM read_parquet('s3://okta-lake/data/okta/logs/year=*/month=*/*.parquet', hive_partitioning = true, union_by_name = true);
