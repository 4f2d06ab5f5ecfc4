-- oktalake: a trino table per stream over the parquet objects under s3://okta-lake/data/okta/
CREATE SCHEMA IF NOT EXISTS "hive"."okta";

-- users: Users of every status, DEPROVISIONED included; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."users" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_embedded" varchar,
  "_links" row("self" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "activate" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "resetPassword" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "resetFactors" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "expirePassword" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "forgotPassword" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "changeRecoveryQuestion" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "deactivate" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "reactivate" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "changePassword" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "schema" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "suspend" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "unsuspend" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "unlock" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "type" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "activated" timestamp(3),
  "created" timestamp(3),
  "credentials" row("password" row("hash" row("algorithm" varchar, "digestAlgorithm" varchar, "iterationCount" bigint, "keySize" bigint, "salt" varchar, "saltOrder" varchar, "value" varchar, "workFactor" bigint, "_airbyte_additional_properties" varchar), "hook" row("type" varchar, "_airbyte_additional_properties" varchar), "value" varchar, "_airbyte_additional_properties" varchar), "provider" row("name" varchar, "type" varchar, "_airbyte_additional_properties" varchar), "recovery_question" row("answer" varchar, "question" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "id" varchar,
  "lastLogin" timestamp(3),
  "lastUpdated" timestamp(3),
  "passwordChanged" timestamp(3),
  "profile" row("city" varchar, "costCenter" varchar, "countryCode" varchar, "department" varchar, "displayName" varchar, "division" varchar, "email" varchar, "employeeNumber" varchar, "firstName" varchar, "honorificPrefix" varchar, "honorificSuffix" varchar, "lastName" varchar, "locale" varchar, "login" varchar, "manager" varchar, "managerId" varchar, "middleName" varchar, "mobilePhone" varchar, "nickName" varchar, "organization" varchar, "postalAddress" varchar, "preferredLanguage" varchar, "primaryPhone" varchar, "profileUrl" varchar, "secondEmail" varchar, "state" varchar, "streetAddress" varchar, "timezone" varchar, "title" varchar, "userType" varchar, "zipCode" varchar, "_airbyte_additional_properties" varchar),
  "realmId" varchar,
  "status" varchar,
  "statusChanged" timestamp(3),
  "transitioningToStatus" varchar,
  "type" row("id" varchar, "_airbyte_additional_properties" varchar),
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/users/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'users', 'FULL');

-- groups: Groups, with member counts from expand=stats; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."groups" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_embedded" row("stats" row("usersCount" bigint, "appsCount" bigint, "groupPushMappingsCount" bigint, "hasAdminPrivlege" boolean, "_airbyte_additional_properties" varchar), "app" row("id" varchar, "name" varchar, "label" varchar, "signOnMode" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "_links" row("self" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "apps" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "logo" array(row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar)), "source" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "users" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "created" timestamp(3),
  "id" varchar,
  "lastMembershipUpdated" timestamp(3),
  "lastUpdated" timestamp(3),
  "objectClass" array(varchar),
  "profile" row("description" varchar, "name" varchar, "dn" varchar, "externalId" varchar, "samAccountName" varchar, "windowsDomainQualifiedName" varchar, "_airbyte_additional_properties" varchar),
  "type" varchar,
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/groups/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'groups', 'FULL');

-- group_members: Members of each non-empty group; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."group_members" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_embedded" varchar,
  "_links" row("self" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "activate" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "resetPassword" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "resetFactors" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "expirePassword" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "forgotPassword" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "changeRecoveryQuestion" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "deactivate" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "reactivate" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "changePassword" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "schema" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "suspend" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "unsuspend" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "unlock" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "type" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "activated" timestamp(3),
  "created" timestamp(3),
  "credentials" row("password" row("hash" row("algorithm" varchar, "digestAlgorithm" varchar, "iterationCount" bigint, "keySize" bigint, "salt" varchar, "saltOrder" varchar, "value" varchar, "workFactor" bigint, "_airbyte_additional_properties" varchar), "hook" row("type" varchar, "_airbyte_additional_properties" varchar), "value" varchar, "_airbyte_additional_properties" varchar), "provider" row("name" varchar, "type" varchar, "_airbyte_additional_properties" varchar), "recovery_question" row("answer" varchar, "question" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "groupId" varchar,
  "id" varchar,
  "lastLogin" timestamp(3),
  "lastUpdated" timestamp(3),
  "passwordChanged" timestamp(3),
  "profile" row("city" varchar, "costCenter" varchar, "countryCode" varchar, "department" varchar, "displayName" varchar, "division" varchar, "email" varchar, "employeeNumber" varchar, "firstName" varchar, "honorificPrefix" varchar, "honorificSuffix" varchar, "lastName" varchar, "locale" varchar, "login" varchar, "manager" varchar, "managerId" varchar, "middleName" varchar, "mobilePhone" varchar, "nickName" varchar, "organization" varchar, "postalAddress" varchar, "preferredLanguage" varchar, "primaryPhone" varchar, "profileUrl" varchar, "secondEmail" varchar, "state" varchar, "streetAddress" varchar, "timezone" varchar, "title" varchar, "userType" varchar, "zipCode" varchar, "_airbyte_additional_properties" varchar),
  "realmId" varchar,
  "status" varchar,
  "statusChanged" timestamp(3),
  "transitioningToStatus" varchar,
  "type" row("id" varchar, "_airbyte_additional_properties" varchar),
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/group_members/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'group_members', 'FULL');

-- applications: Applications; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."applications" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_embedded" row("user" varchar, "_airbyte_additional_properties" varchar),
  "_links" row("accessPolicy" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "activate" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "appLinks" array(row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar)), "deactivate" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "groups" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "help" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "logo" array(row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar)), "metadata" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "self" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "users" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "accessibility" row("errorRedirectUrl" varchar, "loginRedirectUrl" varchar, "selfService" boolean, "_airbyte_additional_properties" varchar),
  "created" timestamp(3),
  "credentials" row("signing" row("kid" varchar, "lastRotated" timestamp(3), "nextRotation" timestamp(3), "rotationMode" varchar, "use" varchar, "_airbyte_additional_properties" varchar), "userNameTemplate" row("pushStatus" varchar, "template" varchar, "type" varchar, "userSuffix" varchar, "_airbyte_additional_properties" varchar), "password" row("hash" row("algorithm" varchar, "digestAlgorithm" varchar, "iterationCount" bigint, "keySize" bigint, "salt" varchar, "saltOrder" varchar, "value" varchar, "workFactor" bigint, "_airbyte_additional_properties" varchar), "hook" row("type" varchar, "_airbyte_additional_properties" varchar), "value" varchar, "_airbyte_additional_properties" varchar), "revealPassword" boolean, "scheme" varchar, "userName" varchar, "oauthClient" row("autoKeyRotation" boolean, "client_id" varchar, "client_secret" varchar, "pkce_required" boolean, "token_endpoint_auth_method" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "expressConfiguration" row("enabledCapabilities" array(varchar), "supportedCapabilities" array(varchar), "_airbyte_additional_properties" varchar),
  "features" array(varchar),
  "id" varchar,
  "label" varchar,
  "lastUpdated" timestamp(3),
  "licensing" row("seatCount" bigint, "_airbyte_additional_properties" varchar),
  "name" varchar,
  "orn" varchar,
  "profile" varchar,
  "settings" row("emOptInStatus" varchar, "identityStoreId" varchar, "implicitAssignment" boolean, "inlineHookId" varchar, "notes" row("admin" varchar, "enduser" varchar, "_airbyte_additional_properties" varchar), "notifications" row("vpn" row("helpUrl" varchar, "message" varchar, "network" row("connection" varchar, "exclude" array(varchar), "include" array(varchar), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar), "signOn" row("loginUrl" varchar, "redirectUrl" varchar, "audienceOverride" varchar, "defaultRelayState" varchar, "recipientOverride" varchar, "ssoAcsUrlOverride" varchar, "acsEndpoints" array(row("index" bigint, "url" varchar, "_airbyte_additional_properties" varchar)), "allowMultipleAcsEndpoints" boolean, "assertionEncryption" row("enabled" boolean, "encryptionAlgorithm" varchar, "keyTransportAlgorithm" varchar, "x5c" array(varchar), "_airbyte_additional_properties" varchar), "assertionSigned" boolean, "attributeStatements" array(row("type" varchar, "name" varchar, "namespace" varchar, "values" array(varchar), "filterType" varchar, "filterValue" varchar, "_airbyte_additional_properties" varchar)), "audience" varchar, "authnContextClassRef" varchar, "configuredAttributeStatements" array(row("type" varchar, "name" varchar, "namespace" varchar, "values" array(varchar), "filterType" varchar, "filterValue" varchar, "_airbyte_additional_properties" varchar)), "destination" varchar, "destinationOverride" varchar, "digestAlgorithm" varchar, "honorForceAuthn" boolean, "idpIssuer" varchar, "inlineHooks" array(row("id" varchar, "_airbyte_additional_properties" varchar)), "participateSlo" row("bindingType" varchar, "enabled" boolean, "logoutRequestUrl" varchar, "sessionIndexRequired" boolean, "_airbyte_additional_properties" varchar), "recipient" varchar, "requestCompressed" boolean, "responseSigned" boolean, "samlAssertionLifetimeSeconds" bigint, "signatureAlgorithm" varchar, "slo" row("enabled" boolean, "issuer" varchar, "logoutUrl" varchar, "_airbyte_additional_properties" varchar), "spCertificate" row("x5c" array(varchar), "_airbyte_additional_properties" varchar), "spIssuer" varchar, "ssoAcsUrl" varchar, "subjectNameIdFormat" varchar, "subjectNameIdTemplate" varchar, "_airbyte_additional_properties" varchar), "app" row("authURL" varchar, "url" varchar, "requestIntegration" boolean, "buttonField" varchar, "buttonSelector" varchar, "extraFieldSelector" varchar, "extraFieldValue" varchar, "loginUrlRegex" varchar, "passwordField" varchar, "passwordSelector" varchar, "targetURL" varchar, "usernameField" varchar, "userNameSelector" varchar, "optionalField1" varchar, "optionalField1Value" varchar, "optionalField2" varchar, "optionalField2Value" varchar, "optionalField3" varchar, "optionalField3Value" varchar, "attributeStatements" varchar, "audienceRestriction" varchar, "authnContextClassRef" varchar, "groupFilter" varchar, "groupName" varchar, "groupValueFormat" varchar, "nameIDFormat" varchar, "realm" varchar, "siteURL" varchar, "usernameAttribute" varchar, "wReplyOverride" boolean, "wReplyURL" varchar, "_airbyte_additional_properties" varchar), "oauthClient" row("application_type" varchar, "backchannel_authentication_request_signing_alg" varchar, "backchannel_custom_authenticator_id" varchar, "backchannel_token_delivery_mode" varchar, "client_uri" varchar, "consent_method" varchar, "dpop_bound_access_tokens" boolean, "frontchannel_logout_session_required" boolean, "frontchannel_logout_uri" varchar, "grant_types" array(varchar), "id_token_encrypted_response_alg" varchar, "idp_initiated_login" row("default_scope" array(varchar), "mode" varchar, "_airbyte_additional_properties" varchar), "initiate_login_uri" varchar, "issuer_mode" varchar, "jwks" row("keys" array(row("e" varchar, "kty" varchar, "n" varchar, "use" varchar, "kid" varchar, "status" varchar, "created" varchar, "id" varchar, "lastUpdated" varchar, "_links" row("activate" varchar, "deactivate" varchar, "delete" varchar, "_airbyte_additional_properties" varchar), "x" varchar, "y" varchar, "_airbyte_additional_properties" varchar)), "_airbyte_additional_properties" varchar), "jwks_uri" varchar, "logo_uri" varchar, "network" row("connection" varchar, "exclude" array(varchar), "include" array(varchar), "_airbyte_additional_properties" varchar), "participate_slo" boolean, "policy_uri" varchar, "post_logout_redirect_uris" array(varchar), "redirect_uris" array(varchar), "refresh_token" row("leeway" bigint, "rotation_type" varchar, "_airbyte_additional_properties" varchar), "request_object_signing_alg" varchar, "response_types" array(varchar), "sector_identifier_uri" varchar, "subject_type" varchar, "tos_uri" varchar, "wildcard_redirect" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "signOnMode" varchar,
  "status" varchar,
  "universalLogout" row("identityStack" varchar, "protocol" varchar, "status" varchar, "supportType" varchar, "_airbyte_additional_properties" varchar),
  "visibility" row("appLinks" varchar, "autoLaunch" boolean, "autoSubmitToolbar" boolean, "hide" row("iOS" boolean, "web" boolean, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/applications/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'applications', 'FULL');

-- application_users: Users assigned to each application; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."application_users" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_embedded" varchar,
  "_links" row("app" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "group" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "user" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "appId" varchar,
  "created" varchar,
  "credentials" row("password" row("value" varchar, "_airbyte_additional_properties" varchar), "userName" varchar, "_airbyte_additional_properties" varchar),
  "externalId" varchar,
  "id" varchar,
  "lastSync" timestamp(3),
  "lastUpdated" varchar,
  "passwordChanged" timestamp(3),
  "profile" varchar,
  "scope" varchar,
  "status" varchar,
  "statusChanged" timestamp(3),
  "syncState" varchar,
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/application_users/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'application_users', 'FULL');

-- application_groups: Groups assigned to each application; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."application_groups" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_embedded" varchar,
  "_links" row("self" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "app" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "group" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "appId" varchar,
  "id" varchar,
  "lastUpdated" varchar,
  "priority" bigint,
  "profile" varchar,
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/application_groups/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'application_groups', 'FULL');

-- custom_roles: Custom admin roles; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."custom_roles" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_links" row("self" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "permissions" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "created" timestamp(3),
  "description" varchar,
  "id" varchar,
  "label" varchar,
  "lastUpdated" timestamp(3),
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/custom_roles/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'custom_roles', 'FULL');

-- permissions: Permissions of each custom role; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."permissions" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_links" row("self" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "role" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "conditions" row("exclude" varchar, "include" varchar, "_airbyte_additional_properties" varchar),
  "created" timestamp(3),
  "label" varchar,
  "lastUpdated" timestamp(3),
  "roleId" varchar,
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/permissions/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'permissions', 'FULL');

-- user_role_assignments: Admin roles assigned to users (admins only, from /iam/assignees/users); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."user_role_assignments" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_embedded" row("targets" row("groups" array(row("created" timestamp(3), "id" varchar, "lastMembershipUpdated" timestamp(3), "lastUpdated" timestamp(3), "objectClass" array(varchar), "profile" row("description" varchar, "name" varchar, "dn" varchar, "externalId" varchar, "samAccountName" varchar, "windowsDomainQualifiedName" varchar, "_airbyte_additional_properties" varchar), "type" varchar, "_embedded" row("stats" row("usersCount" bigint, "appsCount" bigint, "groupPushMappingsCount" bigint, "hasAdminPrivlege" boolean, "_airbyte_additional_properties" varchar), "app" row("id" varchar, "name" varchar, "label" varchar, "signOnMode" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar), "_links" row("self" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "apps" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "logo" array(varchar), "source" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "users" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar)), "catalog" row("apps" array(row("category" varchar, "description" varchar, "displayName" varchar, "features" array(varchar), "id" varchar, "lastUpdated" timestamp(3), "name" varchar, "signOnModes" array(varchar), "status" varchar, "verificationStatus" varchar, "website" varchar, "_links" row("logo" array(varchar), "self" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar)), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "_links" row("assignee" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "member" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "permissions" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "resource-set" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "role" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "assignmentType" varchar,
  "created" timestamp(3),
  "id" varchar,
  "label" varchar,
  "lastUpdated" timestamp(3),
  "resource-set" varchar,
  "role" varchar,
  "status" varchar,
  "type" varchar,
  "userId" varchar,
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/user_role_assignments/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'user_role_assignments', 'FULL');

-- group_role_assignments: Admin roles assigned to groups; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."group_role_assignments" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_embedded" row("targets" row("groups" array(row("created" timestamp(3), "id" varchar, "lastMembershipUpdated" timestamp(3), "lastUpdated" timestamp(3), "objectClass" array(varchar), "profile" row("description" varchar, "name" varchar, "dn" varchar, "externalId" varchar, "samAccountName" varchar, "windowsDomainQualifiedName" varchar, "_airbyte_additional_properties" varchar), "type" varchar, "_embedded" row("stats" row("usersCount" bigint, "appsCount" bigint, "groupPushMappingsCount" bigint, "hasAdminPrivlege" boolean, "_airbyte_additional_properties" varchar), "app" row("id" varchar, "name" varchar, "label" varchar, "signOnMode" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar), "_links" row("self" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "apps" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "logo" array(varchar), "source" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "users" row("hints" varchar, "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar)), "catalog" row("apps" array(row("category" varchar, "description" varchar, "displayName" varchar, "features" array(varchar), "id" varchar, "lastUpdated" timestamp(3), "name" varchar, "signOnModes" array(varchar), "status" varchar, "verificationStatus" varchar, "website" varchar, "_links" row("logo" array(varchar), "self" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar)), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "_links" row("assignee" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "member" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "permissions" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "resource-set" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "role" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "assignmentType" varchar,
  "created" timestamp(3),
  "groupId" varchar,
  "id" varchar,
  "label" varchar,
  "lastUpdated" timestamp(3),
  "resource-set" varchar,
  "role" varchar,
  "status" varchar,
  "type" varchar,
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/group_role_assignments/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'group_role_assignments', 'FULL');

-- resource_sets: Resource sets of custom admin roles; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."resource_sets" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_links" row("self" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "resources" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "bindings" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "created" timestamp(3),
  "description" varchar,
  "id" varchar,
  "label" varchar,
  "lastUpdated" timestamp(3),
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/resource_sets/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'resource_sets', 'FULL');

-- group_rules: Group rules: the expressions that assign users to groups; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."group_rules" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_embedded" row("groupIdToGroupNameMap" varchar, "_airbyte_additional_properties" varchar),
  "actions" row("assignUserToGroups" row("groupIds" array(varchar), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "conditions" row("expression" row("type" varchar, "value" varchar, "_airbyte_additional_properties" varchar), "people" row("groups" row("exclude" array(varchar), "_airbyte_additional_properties" varchar), "users" row("exclude" array(varchar), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "created" timestamp(3),
  "id" varchar,
  "lastUpdated" timestamp(3),
  "name" varchar,
  "status" varchar,
  "type" varchar,
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/group_rules/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'group_rules', 'FULL');

-- user_types: User types (the default one and the org's own); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."user_types" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_links" row("schema" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "self" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "created" timestamp(3),
  "createdBy" varchar,
  "default" boolean,
  "description" varchar,
  "displayName" varchar,
  "id" varchar,
  "lastUpdated" timestamp(3),
  "lastUpdatedBy" varchar,
  "name" varchar,
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/user_types/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'user_types', 'FULL');

-- user_schema: The user profile schema, the org's custom attributes included (one record); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."user_schema" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "$schema" varchar,
  "_links" row("self" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "created" varchar,
  "definitions" row("base" row("id" varchar, "properties" varchar, "required" array(varchar), "type" varchar, "_airbyte_additional_properties" varchar), "custom" row("id" varchar, "properties" varchar, "required" array(varchar), "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "id" varchar,
  "lastUpdated" varchar,
  "name" varchar,
  "properties" row("profile" row("allOf" array(row("$ref" varchar, "_airbyte_additional_properties" varchar)), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "title" varchar,
  "type" varchar,
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/user_schema/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'user_schema', 'FULL');

-- devices: Devices registered with Okta (Identity Engine); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."devices" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_embedded" row("users" array(row("created" varchar, "managementStatus" varchar, "screenLockType" varchar, "user" row("_embedded" varchar, "_links" row("activate" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "changePassword" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "changeRecoveryQuestion" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "deactivate" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "expirePassword" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "forgotPassword" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "reactivate" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "resetFactors" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "resetPassword" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "schema" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "self" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "suspend" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "type" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "unlock" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "unsuspend" row("hints" row("allow" varchar, "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar), "activated" timestamp(3), "created" timestamp(3), "credentials" row("password" row("hash" row("algorithm" varchar, "digestAlgorithm" varchar, "iterationCount" varchar, "keySize" varchar, "salt" varchar, "saltOrder" varchar, "value" varchar, "workFactor" varchar, "_airbyte_additional_properties" varchar), "hook" row("type" varchar, "_airbyte_additional_properties" varchar), "value" varchar, "_airbyte_additional_properties" varchar), "provider" row("name" varchar, "type" varchar, "_airbyte_additional_properties" varchar), "recovery_question" row("answer" varchar, "question" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar), "id" varchar, "lastLogin" timestamp(3), "lastUpdated" timestamp(3), "passwordChanged" timestamp(3), "profile" row("city" varchar, "costCenter" varchar, "countryCode" varchar, "department" varchar, "displayName" varchar, "division" varchar, "email" varchar, "employeeNumber" varchar, "firstName" varchar, "honorificPrefix" varchar, "honorificSuffix" varchar, "lastName" varchar, "locale" varchar, "login" varchar, "manager" varchar, "managerId" varchar, "middleName" varchar, "mobilePhone" varchar, "nickName" varchar, "organization" varchar, "postalAddress" varchar, "preferredLanguage" varchar, "primaryPhone" varchar, "profileUrl" varchar, "secondEmail" varchar, "state" varchar, "streetAddress" varchar, "timezone" varchar, "title" varchar, "userType" varchar, "zipCode" varchar, "_airbyte_additional_properties" varchar), "realmId" varchar, "status" varchar, "statusChanged" timestamp(3), "transitioningToStatus" varchar, "type" row("id" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar)), "_airbyte_additional_properties" varchar),
  "_links" row("activate" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "deactivate" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "self" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "suspend" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "unsuspend" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "users" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "created" timestamp(3),
  "id" varchar,
  "lastUpdated" timestamp(3),
  "profile" row("diskEncryptionType" varchar, "displayName" varchar, "imei" varchar, "integrityJailbreak" boolean, "managed" boolean, "manufacturer" varchar, "meid" varchar, "model" varchar, "osVersion" varchar, "platform" varchar, "registered" boolean, "secureHardwarePresent" boolean, "serialNumber" varchar, "sid" varchar, "tpmPublicKeyHash" varchar, "udid" varchar, "_airbyte_additional_properties" varchar),
  "resourceAlternateId" varchar,
  "resourceDisplayName" row("sensitive" boolean, "value" varchar, "_airbyte_additional_properties" varchar),
  "resourceId" varchar,
  "resourceType" varchar,
  "status" varchar,
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/devices/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'devices', 'FULL');

-- authenticators: Authenticators (email, password, Okta Verify, ...); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE TABLE IF NOT EXISTS "hive"."okta"."authenticators" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "_links" row("activate" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "deactivate" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "methods" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "self" row("hints" row("allow" array(varchar), "_airbyte_additional_properties" varchar), "href" varchar, "name" varchar, "templated" boolean, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "created" timestamp(3),
  "description" varchar,
  "id" varchar,
  "key" varchar,
  "lastUpdated" timestamp(3),
  "name" varchar,
  "provider" varchar,
  "settings" varchar,
  "status" varchar,
  "type" varchar,
  "_ab_cdc_deleted_at" timestamp(3),
  "_oktalake_deleted_by" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/authenticators/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'authenticators', 'FULL');

-- logs: System log events
CREATE TABLE IF NOT EXISTS "hive"."okta"."logs" (
  "_airbyte_raw_id" varchar,
  "_airbyte_extracted_at" timestamp(3),
  "_airbyte_generation_id" bigint,
  "_airbyte_meta" row("changes" array(row("field" varchar, "change" varchar, "reason" varchar)), "sync_id" bigint),
  "actor" row("alternateId" varchar, "detailEntry" varchar, "displayName" varchar, "id" varchar, "type" varchar, "_airbyte_additional_properties" varchar),
  "authenticationContext" row("authenticationProvider" varchar, "authenticationStep" bigint, "credentialProvider" varchar, "credentialType" varchar, "externalSessionId" varchar, "interface" varchar, "issuer" row("id" varchar, "type" varchar, "_airbyte_additional_properties" varchar), "_airbyte_additional_properties" varchar),
  "client" row("device" varchar, "geographicalContext" row("city" varchar, "country" varchar, "geolocation" row("lat" double, "lon" double, "_airbyte_additional_properties" varchar), "postalCode" varchar, "state" varchar, "_airbyte_additional_properties" varchar), "id" varchar, "ipAddress" varchar, "userAgent" row("browser" varchar, "os" varchar, "rawUserAgent" varchar, "_airbyte_additional_properties" varchar), "zone" varchar, "_airbyte_additional_properties" varchar),
  "debugContext" row("debugData" varchar, "_airbyte_additional_properties" varchar),
  "displayMessage" varchar,
  "eventType" varchar,
  "legacyEventType" varchar,
  "outcome" row("reason" varchar, "result" varchar, "_airbyte_additional_properties" varchar),
  "published" timestamp(3),
  "request" row("ipChain" array(row("geographicalContext" row("city" varchar, "country" varchar, "geolocation" row("lat" double, "lon" double, "_airbyte_additional_properties" varchar), "postalCode" varchar, "state" varchar, "_airbyte_additional_properties" varchar), "ip" varchar, "ipDetails" row("asNumber" bigint, "asOrg" varchar, "domain" varchar, "ipServiceCategories" array(row("isAnonymous" boolean, "operator" varchar, "type" varchar, "_airbyte_additional_properties" varchar)), "isp" varchar, "_airbyte_additional_properties" varchar), "source" varchar, "version" varchar, "_airbyte_additional_properties" varchar)), "_airbyte_additional_properties" varchar),
  "securityContext" row("asNumber" bigint, "asOrg" varchar, "botProtection" row("level" varchar, "_airbyte_additional_properties" varchar), "domain" varchar, "ipDetails" row("asNumber" bigint, "asOrg" varchar, "domain" varchar, "ipServiceCategories" array(row("isAnonymous" boolean, "operator" varchar, "type" varchar, "_airbyte_additional_properties" varchar)), "isp" varchar, "_airbyte_additional_properties" varchar), "isp" varchar, "isProxy" boolean, "risk" row("detectionName" varchar, "issuer" varchar, "level" varchar, "previousLevel" varchar, "reasons" array(varchar), "_airbyte_additional_properties" varchar), "userBehaviors" array(row("id" varchar, "name" varchar, "result" varchar, "_airbyte_additional_properties" varchar)), "_airbyte_additional_properties" varchar),
  "severity" varchar,
  "target" array(row("alternateId" varchar, "changeDetails" row("from" varchar, "to" varchar, "_airbyte_additional_properties" varchar), "detailEntry" varchar, "displayName" varchar, "id" varchar, "type" varchar, "_airbyte_additional_properties" varchar)),
  "transaction" row("detail" varchar, "id" varchar, "type" varchar, "_airbyte_additional_properties" varchar),
  "uuid" varchar,
  "version" varchar,
  "_airbyte_additional_properties" varchar,
  "_oktalake_null_fields" array(varchar),
  "year" varchar,
  "month" varchar
)
WITH (
  external_location = 's3://okta-lake/data/okta/logs/',
  format = 'PARQUET',
  partitioned_by = ARRAY['year', 'month']
);
CALL "hive".system.sync_partition_metadata('okta', 'logs', 'FULL');
