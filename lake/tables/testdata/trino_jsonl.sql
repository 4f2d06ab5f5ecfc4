-- oktalake: a trino table per stream over the jsonl objects under s3://okta-lake/data/okta/
CREATE SCHEMA IF NOT EXISTS "hive"."okta";

-- users: Users of every status, DEPROVISIONED included; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."users" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_embedded" varchar, "_links" row("self" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "activate" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "resetPassword" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "resetFactors" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "expirePassword" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "forgotPassword" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "changeRecoveryQuestion" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "deactivate" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "reactivate" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "changePassword" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "schema" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "suspend" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "unsuspend" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "unlock" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "type" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "activated" varchar, "created" varchar, "credentials" row("password" row("hash" row("algorithm" varchar, "digestAlgorithm" varchar, "iterationCount" bigint, "keySize" bigint, "salt" varchar, "saltOrder" varchar, "value" varchar, "workFactor" bigint), "hook" row("type" varchar), "value" varchar), "provider" row("name" varchar, "type" varchar), "recovery_question" row("answer" varchar, "question" varchar)), "id" varchar, "lastLogin" varchar, "lastUpdated" varchar, "passwordChanged" varchar, "profile" row("city" varchar, "costCenter" varchar, "countryCode" varchar, "department" varchar, "displayName" varchar, "division" varchar, "email" varchar, "employeeNumber" varchar, "firstName" varchar, "honorificPrefix" varchar, "honorificSuffix" varchar, "lastName" varchar, "locale" varchar, "login" varchar, "manager" varchar, "managerId" varchar, "middleName" varchar, "mobilePhone" varchar, "nickName" varchar, "organization" varchar, "postalAddress" varchar, "preferredLanguage" varchar, "primaryPhone" varchar, "profileUrl" varchar, "secondEmail" varchar, "state" varchar, "streetAddress" varchar, "timezone" varchar, "title" varchar, "userType" varchar, "zipCode" varchar), "realmId" varchar, "status" varchar, "statusChanged" varchar, "transitioningToStatus" varchar, "type" row("id" varchar), "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/users/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'users', 'FULL');

-- groups: Groups, with member counts from expand=stats; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."groups" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_embedded" row("stats" row("usersCount" bigint, "appsCount" bigint, "groupPushMappingsCount" bigint, "hasAdminPrivlege" boolean), "app" row("id" varchar, "name" varchar, "label" varchar, "signOnMode" varchar)), "_links" row("self" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "apps" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "logo" array(row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "source" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "users" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "created" varchar, "id" varchar, "lastMembershipUpdated" varchar, "lastUpdated" varchar, "objectClass" array(varchar), "profile" row("description" varchar, "name" varchar, "dn" varchar, "externalId" varchar, "samAccountName" varchar, "windowsDomainQualifiedName" varchar), "type" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/groups/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'groups', 'FULL');

-- group_members: Members of each non-empty group; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."group_members" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_embedded" varchar, "_links" row("self" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "activate" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "resetPassword" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "resetFactors" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "expirePassword" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "forgotPassword" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "changeRecoveryQuestion" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "deactivate" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "reactivate" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "changePassword" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "schema" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "suspend" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "unsuspend" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "unlock" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "type" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "activated" varchar, "created" varchar, "credentials" row("password" row("hash" row("algorithm" varchar, "digestAlgorithm" varchar, "iterationCount" bigint, "keySize" bigint, "salt" varchar, "saltOrder" varchar, "value" varchar, "workFactor" bigint), "hook" row("type" varchar), "value" varchar), "provider" row("name" varchar, "type" varchar), "recovery_question" row("answer" varchar, "question" varchar)), "groupId" varchar, "id" varchar, "lastLogin" varchar, "lastUpdated" varchar, "passwordChanged" varchar, "profile" row("city" varchar, "costCenter" varchar, "countryCode" varchar, "department" varchar, "displayName" varchar, "division" varchar, "email" varchar, "employeeNumber" varchar, "firstName" varchar, "honorificPrefix" varchar, "honorificSuffix" varchar, "lastName" varchar, "locale" varchar, "login" varchar, "manager" varchar, "managerId" varchar, "middleName" varchar, "mobilePhone" varchar, "nickName" varchar, "organization" varchar, "postalAddress" varchar, "preferredLanguage" varchar, "primaryPhone" varchar, "profileUrl" varchar, "secondEmail" varchar, "state" varchar, "streetAddress" varchar, "timezone" varchar, "title" varchar, "userType" varchar, "zipCode" varchar), "realmId" varchar, "status" varchar, "statusChanged" varchar, "transitioningToStatus" varchar, "type" row("id" varchar), "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/group_members/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'group_members', 'FULL');

-- applications: Applications; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."applications" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_embedded" row("user" varchar), "_links" row("accessPolicy" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "activate" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "appLinks" array(row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "deactivate" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "groups" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "help" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "logo" array(row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "metadata" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "self" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "users" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "accessibility" row("errorRedirectUrl" varchar, "loginRedirectUrl" varchar, "selfService" boolean), "created" varchar, "credentials" row("signing" row("kid" varchar, "lastRotated" varchar, "nextRotation" varchar, "rotationMode" varchar, "use" varchar), "userNameTemplate" row("pushStatus" varchar, "template" varchar, "type" varchar, "userSuffix" varchar), "password" row("hash" row("algorithm" varchar, "digestAlgorithm" varchar, "iterationCount" bigint, "keySize" bigint, "salt" varchar, "saltOrder" varchar, "value" varchar, "workFactor" bigint), "hook" row("type" varchar), "value" varchar), "revealPassword" boolean, "scheme" varchar, "userName" varchar, "oauthClient" row("autoKeyRotation" boolean, "client_id" varchar, "client_secret" varchar, "pkce_required" boolean, "token_endpoint_auth_method" varchar)), "expressConfiguration" row("enabledCapabilities" array(varchar), "supportedCapabilities" array(varchar)), "features" array(varchar), "id" varchar, "label" varchar, "lastUpdated" varchar, "licensing" row("seatCount" bigint), "name" varchar, "orn" varchar, "profile" varchar, "settings" row("emOptInStatus" varchar, "identityStoreId" varchar, "implicitAssignment" boolean, "inlineHookId" varchar, "notes" row("admin" varchar, "enduser" varchar), "notifications" row("vpn" row("helpUrl" varchar, "message" varchar, "network" row("connection" varchar, "exclude" array(varchar), "include" array(varchar)))), "signOn" row("loginUrl" varchar, "redirectUrl" varchar, "audienceOverride" varchar, "defaultRelayState" varchar, "recipientOverride" varchar, "ssoAcsUrlOverride" varchar, "acsEndpoints" array(row("index" bigint, "url" varchar)), "allowMultipleAcsEndpoints" boolean, "assertionEncryption" row("enabled" boolean, "encryptionAlgorithm" varchar, "keyTransportAlgorithm" varchar, "x5c" array(varchar)), "assertionSigned" boolean, "attributeStatements" array(row("type" varchar, "name" varchar, "namespace" varchar, "values" array(varchar), "filterType" varchar, "filterValue" varchar)), "audience" varchar, "authnContextClassRef" varchar, "configuredAttributeStatements" array(row("type" varchar, "name" varchar, "namespace" varchar, "values" array(varchar), "filterType" varchar, "filterValue" varchar)), "destination" varchar, "destinationOverride" varchar, "digestAlgorithm" varchar, "honorForceAuthn" boolean, "idpIssuer" varchar, "inlineHooks" array(row("id" varchar)), "participateSlo" row("bindingType" varchar, "enabled" boolean, "logoutRequestUrl" varchar, "sessionIndexRequired" boolean), "recipient" varchar, "requestCompressed" boolean, "responseSigned" boolean, "samlAssertionLifetimeSeconds" bigint, "signatureAlgorithm" varchar, "slo" row("enabled" boolean, "issuer" varchar, "logoutUrl" varchar), "spCertificate" row("x5c" array(varchar)), "spIssuer" varchar, "ssoAcsUrl" varchar, "subjectNameIdFormat" varchar, "subjectNameIdTemplate" varchar), "app" row("authURL" varchar, "url" varchar, "requestIntegration" boolean, "buttonField" varchar, "buttonSelector" varchar, "extraFieldSelector" varchar, "extraFieldValue" varchar, "loginUrlRegex" varchar, "passwordField" varchar, "passwordSelector" varchar, "targetURL" varchar, "usernameField" varchar, "userNameSelector" varchar, "optionalField1" varchar, "optionalField1Value" varchar, "optionalField2" varchar, "optionalField2Value" varchar, "optionalField3" varchar, "optionalField3Value" varchar, "attributeStatements" varchar, "audienceRestriction" varchar, "authnContextClassRef" varchar, "groupFilter" varchar, "groupName" varchar, "groupValueFormat" varchar, "nameIDFormat" varchar, "realm" varchar, "siteURL" varchar, "usernameAttribute" varchar, "wReplyOverride" boolean, "wReplyURL" varchar), "oauthClient" row("application_type" varchar, "backchannel_authentication_request_signing_alg" varchar, "backchannel_custom_authenticator_id" varchar, "backchannel_token_delivery_mode" varchar, "client_uri" varchar, "consent_method" varchar, "dpop_bound_access_tokens" boolean, "frontchannel_logout_session_required" boolean, "frontchannel_logout_uri" varchar, "grant_types" array(varchar), "id_token_encrypted_response_alg" varchar, "idp_initiated_login" row("default_scope" array(varchar), "mode" varchar), "initiate_login_uri" varchar, "issuer_mode" varchar, "jwks" row("keys" array(row("e" varchar, "kty" varchar, "n" varchar, "use" varchar, "kid" varchar, "status" varchar, "created" varchar, "id" varchar, "lastUpdated" varchar, "_links" row("activate" varchar, "deactivate" varchar, "delete" varchar), "x" varchar, "y" varchar))), "jwks_uri" varchar, "logo_uri" varchar, "network" row("connection" varchar, "exclude" array(varchar), "include" array(varchar)), "participate_slo" boolean, "policy_uri" varchar, "post_logout_redirect_uris" array(varchar), "redirect_uris" array(varchar), "refresh_token" row("leeway" bigint, "rotation_type" varchar), "request_object_signing_alg" varchar, "response_types" array(varchar), "sector_identifier_uri" varchar, "subject_type" varchar, "tos_uri" varchar, "wildcard_redirect" varchar)), "signOnMode" varchar, "status" varchar, "universalLogout" row("identityStack" varchar, "protocol" varchar, "status" varchar, "supportType" varchar), "visibility" row("appLinks" varchar, "autoLaunch" boolean, "autoSubmitToolbar" boolean, "hide" row("iOS" boolean, "web" boolean)), "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/applications/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'applications', 'FULL');

-- application_users: Users assigned to each application; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."application_users" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_embedded" varchar, "_links" row("app" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "group" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "user" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "appId" varchar, "created" varchar, "credentials" row("password" row("value" varchar), "userName" varchar), "externalId" varchar, "id" varchar, "lastSync" varchar, "lastUpdated" varchar, "passwordChanged" varchar, "profile" varchar, "scope" varchar, "status" varchar, "statusChanged" varchar, "syncState" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/application_users/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'application_users', 'FULL');

-- application_groups: Groups assigned to each application; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."application_groups" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_embedded" varchar, "_links" row("self" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "app" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "group" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "appId" varchar, "id" varchar, "lastUpdated" varchar, "priority" bigint, "profile" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/application_groups/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'application_groups', 'FULL');

-- custom_roles: Custom admin roles; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."custom_roles" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_links" row("self" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "permissions" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "created" varchar, "description" varchar, "id" varchar, "label" varchar, "lastUpdated" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/custom_roles/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'custom_roles', 'FULL');

-- permissions: Permissions of each custom role; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."permissions" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_links" row("self" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "role" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "conditions" row("exclude" varchar, "include" varchar), "created" varchar, "label" varchar, "lastUpdated" varchar, "roleId" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/permissions/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'permissions', 'FULL');

-- user_role_assignments: Admin roles assigned to users (admins only, from /iam/assignees/users); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."user_role_assignments" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_embedded" row("targets" row("groups" array(row("created" varchar, "id" varchar, "lastMembershipUpdated" varchar, "lastUpdated" varchar, "objectClass" array(varchar), "profile" row("description" varchar, "name" varchar, "dn" varchar, "externalId" varchar, "samAccountName" varchar, "windowsDomainQualifiedName" varchar), "type" varchar, "_embedded" row("stats" row("usersCount" bigint, "appsCount" bigint, "groupPushMappingsCount" bigint, "hasAdminPrivlege" boolean), "app" row("id" varchar, "name" varchar, "label" varchar, "signOnMode" varchar)), "_links" row("self" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "apps" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "logo" array(varchar), "source" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "users" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar)))), "catalog" row("apps" array(row("category" varchar, "description" varchar, "displayName" varchar, "features" array(varchar), "id" varchar, "lastUpdated" varchar, "name" varchar, "signOnModes" array(varchar), "status" varchar, "verificationStatus" varchar, "website" varchar, "_links" row("logo" array(varchar), "self" varchar)))))), "_links" row("assignee" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "member" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "permissions" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "resource-set" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "role" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "assignmentType" varchar, "created" varchar, "id" varchar, "label" varchar, "lastUpdated" varchar, "resource-set" varchar, "role" varchar, "status" varchar, "type" varchar, "userId" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/user_role_assignments/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'user_role_assignments', 'FULL');

-- group_role_assignments: Admin roles assigned to groups; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."group_role_assignments" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_embedded" row("targets" row("groups" array(row("created" varchar, "id" varchar, "lastMembershipUpdated" varchar, "lastUpdated" varchar, "objectClass" array(varchar), "profile" row("description" varchar, "name" varchar, "dn" varchar, "externalId" varchar, "samAccountName" varchar, "windowsDomainQualifiedName" varchar), "type" varchar, "_embedded" row("stats" row("usersCount" bigint, "appsCount" bigint, "groupPushMappingsCount" bigint, "hasAdminPrivlege" boolean), "app" row("id" varchar, "name" varchar, "label" varchar, "signOnMode" varchar)), "_links" row("self" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "apps" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "logo" array(varchar), "source" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "users" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar)))), "catalog" row("apps" array(row("category" varchar, "description" varchar, "displayName" varchar, "features" array(varchar), "id" varchar, "lastUpdated" varchar, "name" varchar, "signOnModes" array(varchar), "status" varchar, "verificationStatus" varchar, "website" varchar, "_links" row("logo" array(varchar), "self" varchar)))))), "_links" row("assignee" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "member" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "permissions" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "resource-set" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "role" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "assignmentType" varchar, "created" varchar, "groupId" varchar, "id" varchar, "label" varchar, "lastUpdated" varchar, "resource-set" varchar, "role" varchar, "status" varchar, "type" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/group_role_assignments/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'group_role_assignments', 'FULL');

-- resource_sets: Resource sets of custom admin roles; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."resource_sets" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_links" row("self" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "resources" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "bindings" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "created" varchar, "description" varchar, "id" varchar, "label" varchar, "lastUpdated" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/resource_sets/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'resource_sets', 'FULL');

-- group_rules: Group rules: the expressions that assign users to groups; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."group_rules" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_embedded" row("groupIdToGroupNameMap" varchar), "actions" row("assignUserToGroups" row("groupIds" array(varchar))), "conditions" row("expression" row("type" varchar, "value" varchar), "people" row("groups" row("exclude" array(varchar)), "users" row("exclude" array(varchar)))), "created" varchar, "id" varchar, "lastUpdated" varchar, "name" varchar, "status" varchar, "type" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/group_rules/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'group_rules', 'FULL');

-- user_types: User types (the default one and the org's own); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."user_types" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_links" row("schema" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "self" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "created" varchar, "createdBy" varchar, "default" boolean, "description" varchar, "displayName" varchar, "id" varchar, "lastUpdated" varchar, "lastUpdatedBy" varchar, "name" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/user_types/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'user_types', 'FULL');

-- user_schema: The user profile schema, the org's custom attributes included (one record); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."user_schema" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("$schema" varchar, "_links" row("self" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "created" varchar, "definitions" row("base" row("id" varchar, "properties" varchar, "required" array(varchar), "type" varchar), "custom" row("id" varchar, "properties" varchar, "required" array(varchar), "type" varchar)), "id" varchar, "lastUpdated" varchar, "name" varchar, "properties" row("profile" row("allOf" array(row("$ref" varchar)))), "title" varchar, "type" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/user_schema/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'user_schema', 'FULL');

-- devices: Devices registered with Okta (Identity Engine); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."devices" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_embedded" row("users" array(row("created" varchar, "managementStatus" varchar, "screenLockType" varchar, "user" row("_embedded" varchar, "_links" row("activate" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "changePassword" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "changeRecoveryQuestion" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "deactivate" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "expirePassword" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "forgotPassword" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "reactivate" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "resetFactors" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "resetPassword" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "schema" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "self" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "suspend" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "type" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "unlock" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "unsuspend" row("hints" row("allow" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "activated" varchar, "created" varchar, "credentials" row("password" row("hash" row("algorithm" varchar, "digestAlgorithm" varchar, "iterationCount" varchar, "keySize" varchar, "salt" varchar, "saltOrder" varchar, "value" varchar, "workFactor" varchar), "hook" row("type" varchar), "value" varchar), "provider" row("name" varchar, "type" varchar), "recovery_question" row("answer" varchar, "question" varchar)), "id" varchar, "lastLogin" varchar, "lastUpdated" varchar, "passwordChanged" varchar, "profile" row("city" varchar, "costCenter" varchar, "countryCode" varchar, "department" varchar, "displayName" varchar, "division" varchar, "email" varchar, "employeeNumber" varchar, "firstName" varchar, "honorificPrefix" varchar, "honorificSuffix" varchar, "lastName" varchar, "locale" varchar, "login" varchar, "manager" varchar, "managerId" varchar, "middleName" varchar, "mobilePhone" varchar, "nickName" varchar, "organization" varchar, "postalAddress" varchar, "preferredLanguage" varchar, "primaryPhone" varchar, "profileUrl" varchar, "secondEmail" varchar, "state" varchar, "streetAddress" varchar, "timezone" varchar, "title" varchar, "userType" varchar, "zipCode" varchar), "realmId" varchar, "status" varchar, "statusChanged" varchar, "transitioningToStatus" varchar, "type" row("id" varchar))))), "_links" row("activate" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "deactivate" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "self" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "suspend" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "unsuspend" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "users" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "created" varchar, "id" varchar, "lastUpdated" varchar, "profile" row("diskEncryptionType" varchar, "displayName" varchar, "imei" varchar, "integrityJailbreak" boolean, "managed" boolean, "manufacturer" varchar, "meid" varchar, "model" varchar, "osVersion" varchar, "platform" varchar, "registered" boolean, "secureHardwarePresent" boolean, "serialNumber" varchar, "sid" varchar, "tpmPublicKeyHash" varchar, "udid" varchar), "resourceAlternateId" varchar, "resourceDisplayName" row("sensitive" boolean, "value" varchar), "resourceId" varchar, "resourceType" varchar, "status" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/devices/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'devices', 'FULL');

-- authenticators: Authenticators (email, password, Okta Verify, ...); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."authenticators" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("_links" row("activate" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "deactivate" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "methods" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar), "self" row("hints" row("allow" array(varchar)), "href" varchar, "name" varchar, "templated" boolean, "type" varchar)), "created" varchar, "description" varchar, "id" varchar, "key" varchar, "lastUpdated" varchar, "name" varchar, "provider" varchar, "settings" varchar, "status" varchar, "type" varchar, "_ab_cdc_deleted_at" varchar, "_oktalake_deleted_by" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/authenticators/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'authenticators', 'FULL');

-- logs: System log events
CREATE TABLE IF NOT EXISTS "hive"."okta"."logs" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" bigint,
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_airbyte_data" row("actor" row("alternateId" varchar, "detailEntry" varchar, "displayName" varchar, "id" varchar, "type" varchar), "authenticationContext" row("authenticationProvider" varchar, "authenticationStep" bigint, "credentialProvider" varchar, "credentialType" varchar, "externalSessionId" varchar, "interface" varchar, "issuer" row("id" varchar, "type" varchar)), "client" row("device" varchar, "geographicalContext" row("city" varchar, "country" varchar, "geolocation" row("lat" double, "lon" double), "postalCode" varchar, "state" varchar), "id" varchar, "ipAddress" varchar, "userAgent" row("browser" varchar, "os" varchar, "rawUserAgent" varchar), "zone" varchar), "debugContext" row("debugData" varchar), "displayMessage" varchar, "eventType" varchar, "legacyEventType" varchar, "outcome" row("reason" varchar, "result" varchar), "published" varchar, "request" row("ipChain" array(row("geographicalContext" row("city" varchar, "country" varchar, "geolocation" row("lat" double, "lon" double), "postalCode" varchar, "state" varchar), "ip" varchar, "ipDetails" row("asNumber" bigint, "asOrg" varchar, "domain" varchar, "ipServiceCategories" array(row("isAnonymous" boolean, "operator" varchar, "type" varchar)), "isp" varchar), "source" varchar, "version" varchar))), "securityContext" row("asNumber" bigint, "asOrg" varchar, "botProtection" row("level" varchar), "domain" varchar, "ipDetails" row("asNumber" bigint, "asOrg" varchar, "domain" varchar, "ipServiceCategories" array(row("isAnonymous" boolean, "operator" varchar, "type" varchar)), "isp" varchar), "isp" varchar, "isProxy" boolean, "risk" row("detectionName" varchar, "issuer" varchar, "level" varchar, "previousLevel" varchar, "reasons" array(varchar)), "userBehaviors" array(row("id" varchar, "name" varchar, "result" varchar))), "severity" varchar, "target" array(row("alternateId" varchar, "changeDetails" row("from" varchar, "to" varchar), "detailEntry" varchar, "displayName" varchar, "id" varchar, "type" varchar)), "transaction" row("detail" varchar, "id" varchar, "type" varchar), "uuid" varchar, "version" varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/logs/',
  format = 'JSON',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'logs', 'FULL');
