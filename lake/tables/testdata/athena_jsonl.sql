-- oktalake: a athena table per stream over the jsonl objects under s3://okta-lake/data/okta/
CREATE DATABASE IF NOT EXISTS `okta`;

-- users: Users of every status, DEPROVISIONED included; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`users` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_embedded`:string,`_links`:struct<`self`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`activate`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`resetPassword`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`resetFactors`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`expirePassword`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`forgotPassword`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`changeRecoveryQuestion`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`deactivate`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`reactivate`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`changePassword`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`schema`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`suspend`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`unsuspend`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`unlock`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`type`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`activated`:string,`created`:string,`credentials`:struct<`password`:struct<`hash`:struct<`algorithm`:string,`digestAlgorithm`:string,`iterationCount`:bigint,`keySize`:bigint,`salt`:string,`saltOrder`:string,`value`:string,`workFactor`:bigint>,`hook`:struct<`type`:string>,`value`:string>,`provider`:struct<`name`:string,`type`:string>,`recovery_question`:struct<`answer`:string,`question`:string>>,`id`:string,`lastLogin`:string,`lastUpdated`:string,`passwordChanged`:string,`profile`:struct<`city`:string,`costCenter`:string,`countryCode`:string,`department`:string,`displayName`:string,`division`:string,`email`:string,`employeeNumber`:string,`firstName`:string,`honorificPrefix`:string,`honorificSuffix`:string,`lastName`:string,`locale`:string,`login`:string,`manager`:string,`managerId`:string,`middleName`:string,`mobilePhone`:string,`nickName`:string,`organization`:string,`postalAddress`:string,`preferredLanguage`:string,`primaryPhone`:string,`profileUrl`:string,`secondEmail`:string,`state`:string,`streetAddress`:string,`timezone`:string,`title`:string,`userType`:string,`zipCode`:string>,`realmId`:string,`status`:string,`statusChanged`:string,`transitioningToStatus`:string,`type`:struct<`id`:string>,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/users/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/users/year=${year}/month=${month}/'
);

-- groups: Groups, with member counts from expand=stats; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`groups` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_embedded`:struct<`stats`:struct<`usersCount`:bigint,`appsCount`:bigint,`groupPushMappingsCount`:bigint,`hasAdminPrivlege`:boolean>,`app`:struct<`id`:string,`name`:string,`label`:string,`signOnMode`:string>>,`_links`:struct<`self`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`apps`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`logo`:array<struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`source`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`users`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`created`:string,`id`:string,`lastMembershipUpdated`:string,`lastUpdated`:string,`objectClass`:array<string>,`profile`:struct<`description`:string,`name`:string,`dn`:string,`externalId`:string,`samAccountName`:string,`windowsDomainQualifiedName`:string>,`type`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/groups/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/groups/year=${year}/month=${month}/'
);

-- group_members: Members of each non-empty group; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`group_members` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_embedded`:string,`_links`:struct<`self`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`activate`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`resetPassword`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`resetFactors`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`expirePassword`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`forgotPassword`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`changeRecoveryQuestion`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`deactivate`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`reactivate`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`changePassword`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`schema`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`suspend`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`unsuspend`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`unlock`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`type`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`activated`:string,`created`:string,`credentials`:struct<`password`:struct<`hash`:struct<`algorithm`:string,`digestAlgorithm`:string,`iterationCount`:bigint,`keySize`:bigint,`salt`:string,`saltOrder`:string,`value`:string,`workFactor`:bigint>,`hook`:struct<`type`:string>,`value`:string>,`provider`:struct<`name`:string,`type`:string>,`recovery_question`:struct<`answer`:string,`question`:string>>,`groupId`:string,`id`:string,`lastLogin`:string,`lastUpdated`:string,`passwordChanged`:string,`profile`:struct<`city`:string,`costCenter`:string,`countryCode`:string,`department`:string,`displayName`:string,`division`:string,`email`:string,`employeeNumber`:string,`firstName`:string,`honorificPrefix`:string,`honorificSuffix`:string,`lastName`:string,`locale`:string,`login`:string,`manager`:string,`managerId`:string,`middleName`:string,`mobilePhone`:string,`nickName`:string,`organization`:string,`postalAddress`:string,`preferredLanguage`:string,`primaryPhone`:string,`profileUrl`:string,`secondEmail`:string,`state`:string,`streetAddress`:string,`timezone`:string,`title`:string,`userType`:string,`zipCode`:string>,`realmId`:string,`status`:string,`statusChanged`:string,`transitioningToStatus`:string,`type`:struct<`id`:string>,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/group_members/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/group_members/year=${year}/month=${month}/'
);

-- applications: Applications; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`applications` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_embedded`:struct<`user`:string>,`_links`:struct<`accessPolicy`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`activate`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`appLinks`:array<struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`deactivate`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`groups`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`help`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`logo`:array<struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`metadata`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`self`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`users`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`accessibility`:struct<`errorRedirectUrl`:string,`loginRedirectUrl`:string,`selfService`:boolean>,`created`:string,`credentials`:struct<`signing`:struct<`kid`:string,`lastRotated`:string,`nextRotation`:string,`rotationMode`:string,`use`:string>,`userNameTemplate`:struct<`pushStatus`:string,`template`:string,`type`:string,`userSuffix`:string>,`password`:struct<`hash`:struct<`algorithm`:string,`digestAlgorithm`:string,`iterationCount`:bigint,`keySize`:bigint,`salt`:string,`saltOrder`:string,`value`:string,`workFactor`:bigint>,`hook`:struct<`type`:string>,`value`:string>,`revealPassword`:boolean,`scheme`:string,`userName`:string,`oauthClient`:struct<`autoKeyRotation`:boolean,`client_id`:string,`client_secret`:string,`pkce_required`:boolean,`token_endpoint_auth_method`:string>>,`expressConfiguration`:struct<`enabledCapabilities`:array<string>,`supportedCapabilities`:array<string>>,`features`:array<string>,`id`:string,`label`:string,`lastUpdated`:string,`licensing`:struct<`seatCount`:bigint>,`name`:string,`orn`:string,`profile`:string,`settings`:struct<`emOptInStatus`:string,`identityStoreId`:string,`implicitAssignment`:boolean,`inlineHookId`:string,`notes`:struct<`admin`:string,`enduser`:string>,`notifications`:struct<`vpn`:struct<`helpUrl`:string,`message`:string,`network`:struct<`connection`:string,`exclude`:array<string>,`include`:array<string>>>>,`signOn`:struct<`loginUrl`:string,`redirectUrl`:string,`audienceOverride`:string,`defaultRelayState`:string,`recipientOverride`:string,`ssoAcsUrlOverride`:string,`acsEndpoints`:array<struct<`index`:bigint,`url`:string>>,`allowMultipleAcsEndpoints`:boolean,`assertionEncryption`:struct<`enabled`:boolean,`encryptionAlgorithm`:string,`keyTransportAlgorithm`:string,`x5c`:array<string>>,`assertionSigned`:boolean,`attributeStatements`:array<struct<`type`:string,`name`:string,`namespace`:string,`values`:array<string>,`filterType`:string,`filterValue`:string>>,`audience`:string,`authnContextClassRef`:string,`configuredAttributeStatements`:array<struct<`type`:string,`name`:string,`namespace`:string,`values`:array<string>,`filterType`:string,`filterValue`:string>>,`destination`:string,`destinationOverride`:string,`digestAlgorithm`:string,`honorForceAuthn`:boolean,`idpIssuer`:string,`inlineHooks`:array<struct<`id`:string>>,`participateSlo`:struct<`bindingType`:string,`enabled`:boolean,`logoutRequestUrl`:string,`sessionIndexRequired`:boolean>,`recipient`:string,`requestCompressed`:boolean,`responseSigned`:boolean,`samlAssertionLifetimeSeconds`:bigint,`signatureAlgorithm`:string,`slo`:struct<`enabled`:boolean,`issuer`:string,`logoutUrl`:string>,`spCertificate`:struct<`x5c`:array<string>>,`spIssuer`:string,`ssoAcsUrl`:string,`subjectNameIdFormat`:string,`subjectNameIdTemplate`:string>,`app`:struct<`authURL`:string,`url`:string,`requestIntegration`:boolean,`buttonField`:string,`buttonSelector`:string,`extraFieldSelector`:string,`extraFieldValue`:string,`loginUrlRegex`:string,`passwordField`:string,`passwordSelector`:string,`targetURL`:string,`usernameField`:string,`userNameSelector`:string,`optionalField1`:string,`optionalField1Value`:string,`optionalField2`:string,`optionalField2Value`:string,`optionalField3`:string,`optionalField3Value`:string,`attributeStatements`:string,`audienceRestriction`:string,`authnContextClassRef`:string,`groupFilter`:string,`groupName`:string,`groupValueFormat`:string,`nameIDFormat`:string,`realm`:string,`siteURL`:string,`usernameAttribute`:string,`wReplyOverride`:boolean,`wReplyURL`:string>,`oauthClient`:struct<`application_type`:string,`backchannel_authentication_request_signing_alg`:string,`backchannel_custom_authenticator_id`:string,`backchannel_token_delivery_mode`:string,`client_uri`:string,`consent_method`:string,`dpop_bound_access_tokens`:boolean,`frontchannel_logout_session_required`:boolean,`frontchannel_logout_uri`:string,`grant_types`:array<string>,`id_token_encrypted_response_alg`:string,`idp_initiated_login`:struct<`default_scope`:array<string>,`mode`:string>,`initiate_login_uri`:string,`issuer_mode`:string,`jwks`:struct<`keys`:array<struct<`e`:string,`kty`:string,`n`:string,`use`:string,`kid`:string,`status`:string,`created`:string,`id`:string,`lastUpdated`:string,`_links`:struct<`activate`:string,`deactivate`:string,`delete`:string>,`x`:string,`y`:string>>>,`jwks_uri`:string,`logo_uri`:string,`network`:struct<`connection`:string,`exclude`:array<string>,`include`:array<string>>,`participate_slo`:boolean,`policy_uri`:string,`post_logout_redirect_uris`:array<string>,`redirect_uris`:array<string>,`refresh_token`:struct<`leeway`:bigint,`rotation_type`:string>,`request_object_signing_alg`:string,`response_types`:array<string>,`sector_identifier_uri`:string,`subject_type`:string,`tos_uri`:string,`wildcard_redirect`:string>>,`signOnMode`:string,`status`:string,`universalLogout`:struct<`identityStack`:string,`protocol`:string,`status`:string,`supportType`:string>,`visibility`:struct<`appLinks`:string,`autoLaunch`:boolean,`autoSubmitToolbar`:boolean,`hide`:struct<`iOS`:boolean,`web`:boolean>>,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/applications/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/applications/year=${year}/month=${month}/'
);

-- application_users: Users assigned to each application; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`application_users` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_embedded`:string,`_links`:struct<`app`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`group`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`user`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`appId`:string,`created`:string,`credentials`:struct<`password`:struct<`value`:string>,`userName`:string>,`externalId`:string,`id`:string,`lastSync`:string,`lastUpdated`:string,`passwordChanged`:string,`profile`:string,`scope`:string,`status`:string,`statusChanged`:string,`syncState`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/application_users/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/application_users/year=${year}/month=${month}/'
);

-- application_groups: Groups assigned to each application; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`application_groups` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_embedded`:string,`_links`:struct<`self`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`app`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`group`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`appId`:string,`id`:string,`lastUpdated`:string,`priority`:bigint,`profile`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/application_groups/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/application_groups/year=${year}/month=${month}/'
);

-- custom_roles: Custom admin roles; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`custom_roles` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_links`:struct<`self`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`permissions`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`created`:string,`description`:string,`id`:string,`label`:string,`lastUpdated`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/custom_roles/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/custom_roles/year=${year}/month=${month}/'
);

-- permissions: Permissions of each custom role; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`permissions` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_links`:struct<`self`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`role`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`conditions`:struct<`exclude`:string,`include`:string>,`created`:string,`label`:string,`lastUpdated`:string,`roleId`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/permissions/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/permissions/year=${year}/month=${month}/'
);

-- user_role_assignments: Admin roles assigned to users (admins only, from /iam/assignees/users); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`user_role_assignments` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_embedded`:struct<`targets`:struct<`groups`:array<struct<`created`:string,`id`:string,`lastMembershipUpdated`:string,`lastUpdated`:string,`objectClass`:array<string>,`profile`:struct<`description`:string,`name`:string,`dn`:string,`externalId`:string,`samAccountName`:string,`windowsDomainQualifiedName`:string>,`type`:string,`_embedded`:struct<`stats`:struct<`usersCount`:bigint,`appsCount`:bigint,`groupPushMappingsCount`:bigint,`hasAdminPrivlege`:boolean>,`app`:struct<`id`:string,`name`:string,`label`:string,`signOnMode`:string>>,`_links`:struct<`self`:struct<`hints`:string,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`apps`:struct<`hints`:string,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`logo`:array<string>,`source`:struct<`hints`:string,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`users`:struct<`hints`:string,`href`:string,`name`:string,`templated`:boolean,`type`:string>>>>,`catalog`:struct<`apps`:array<struct<`category`:string,`description`:string,`displayName`:string,`features`:array<string>,`id`:string,`lastUpdated`:string,`name`:string,`signOnModes`:array<string>,`status`:string,`verificationStatus`:string,`website`:string,`_links`:struct<`logo`:array<string>,`self`:string>>>>>>,`_links`:struct<`assignee`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`member`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`permissions`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`resource-set`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`role`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`assignmentType`:string,`created`:string,`id`:string,`label`:string,`lastUpdated`:string,`resource-set`:string,`role`:string,`status`:string,`type`:string,`userId`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/user_role_assignments/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/user_role_assignments/year=${year}/month=${month}/'
);

-- group_role_assignments: Admin roles assigned to groups; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`group_role_assignments` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_embedded`:struct<`targets`:struct<`groups`:array<struct<`created`:string,`id`:string,`lastMembershipUpdated`:string,`lastUpdated`:string,`objectClass`:array<string>,`profile`:struct<`description`:string,`name`:string,`dn`:string,`externalId`:string,`samAccountName`:string,`windowsDomainQualifiedName`:string>,`type`:string,`_embedded`:struct<`stats`:struct<`usersCount`:bigint,`appsCount`:bigint,`groupPushMappingsCount`:bigint,`hasAdminPrivlege`:boolean>,`app`:struct<`id`:string,`name`:string,`label`:string,`signOnMode`:string>>,`_links`:struct<`self`:struct<`hints`:string,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`apps`:struct<`hints`:string,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`logo`:array<string>,`source`:struct<`hints`:string,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`users`:struct<`hints`:string,`href`:string,`name`:string,`templated`:boolean,`type`:string>>>>,`catalog`:struct<`apps`:array<struct<`category`:string,`description`:string,`displayName`:string,`features`:array<string>,`id`:string,`lastUpdated`:string,`name`:string,`signOnModes`:array<string>,`status`:string,`verificationStatus`:string,`website`:string,`_links`:struct<`logo`:array<string>,`self`:string>>>>>>,`_links`:struct<`assignee`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`member`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`permissions`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`resource-set`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`role`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`assignmentType`:string,`created`:string,`groupId`:string,`id`:string,`label`:string,`lastUpdated`:string,`resource-set`:string,`role`:string,`status`:string,`type`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/group_role_assignments/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/group_role_assignments/year=${year}/month=${month}/'
);

-- resource_sets: Resource sets of custom admin roles; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`resource_sets` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_links`:struct<`self`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`resources`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`bindings`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`created`:string,`description`:string,`id`:string,`label`:string,`lastUpdated`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/resource_sets/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/resource_sets/year=${year}/month=${month}/'
);

-- group_rules: Group rules: the expressions that assign users to groups; a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`group_rules` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_embedded`:struct<`groupIdToGroupNameMap`:string>,`actions`:struct<`assignUserToGroups`:struct<`groupIds`:array<string>>>,`conditions`:struct<`expression`:struct<`type`:string,`value`:string>,`people`:struct<`groups`:struct<`exclude`:array<string>>,`users`:struct<`exclude`:array<string>>>>,`created`:string,`id`:string,`lastUpdated`:string,`name`:string,`status`:string,`type`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/group_rules/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/group_rules/year=${year}/month=${month}/'
);

-- user_types: User types (the default one and the org's own); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`user_types` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_links`:struct<`schema`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`self`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`created`:string,`createdBy`:string,`default`:boolean,`description`:string,`displayName`:string,`id`:string,`lastUpdated`:string,`lastUpdatedBy`:string,`name`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/user_types/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/user_types/year=${year}/month=${month}/'
);

-- user_schema: The user profile schema, the org's custom attributes included (one record); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`user_schema` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`$schema`:string,`_links`:struct<`self`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`created`:string,`definitions`:struct<`base`:struct<`id`:string,`properties`:string,`required`:array<string>,`type`:string>,`custom`:struct<`id`:string,`properties`:string,`required`:array<string>,`type`:string>>,`id`:string,`lastUpdated`:string,`name`:string,`properties`:struct<`profile`:struct<`allOf`:array<struct<`$ref`:string>>>>,`title`:string,`type`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/user_schema/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/user_schema/year=${year}/month=${month}/'
);

-- devices: Devices registered with Okta (Identity Engine); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`devices` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_embedded`:struct<`users`:array<struct<`created`:string,`managementStatus`:string,`screenLockType`:string,`user`:struct<`_embedded`:string,`_links`:struct<`activate`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`changePassword`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`changeRecoveryQuestion`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`deactivate`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`expirePassword`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`forgotPassword`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`reactivate`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`resetFactors`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`resetPassword`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`schema`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`self`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`suspend`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`type`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`unlock`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`unsuspend`:struct<`hints`:struct<`allow`:string>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`activated`:string,`created`:string,`credentials`:struct<`password`:struct<`hash`:struct<`algorithm`:string,`digestAlgorithm`:string,`iterationCount`:string,`keySize`:string,`salt`:string,`saltOrder`:string,`value`:string,`workFactor`:string>,`hook`:struct<`type`:string>,`value`:string>,`provider`:struct<`name`:string,`type`:string>,`recovery_question`:struct<`answer`:string,`question`:string>>,`id`:string,`lastLogin`:string,`lastUpdated`:string,`passwordChanged`:string,`profile`:struct<`city`:string,`costCenter`:string,`countryCode`:string,`department`:string,`displayName`:string,`division`:string,`email`:string,`employeeNumber`:string,`firstName`:string,`honorificPrefix`:string,`honorificSuffix`:string,`lastName`:string,`locale`:string,`login`:string,`manager`:string,`managerId`:string,`middleName`:string,`mobilePhone`:string,`nickName`:string,`organization`:string,`postalAddress`:string,`preferredLanguage`:string,`primaryPhone`:string,`profileUrl`:string,`secondEmail`:string,`state`:string,`streetAddress`:string,`timezone`:string,`title`:string,`userType`:string,`zipCode`:string>,`realmId`:string,`status`:string,`statusChanged`:string,`transitioningToStatus`:string,`type`:struct<`id`:string>>>>>,`_links`:struct<`activate`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`deactivate`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`self`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`suspend`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`unsuspend`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`users`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`created`:string,`id`:string,`lastUpdated`:string,`profile`:struct<`diskEncryptionType`:string,`displayName`:string,`imei`:string,`integrityJailbreak`:boolean,`managed`:boolean,`manufacturer`:string,`meid`:string,`model`:string,`osVersion`:string,`platform`:string,`registered`:boolean,`secureHardwarePresent`:boolean,`serialNumber`:string,`sid`:string,`tpmPublicKeyHash`:string,`udid`:string>,`resourceAlternateId`:string,`resourceDisplayName`:struct<`sensitive`:boolean,`value`:string>,`resourceId`:string,`resourceType`:string,`status`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/devices/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/devices/year=${year}/month=${month}/'
);

-- authenticators: Authenticators (email, password, Okta Verify, ...); a row whose _ab_cdc_deleted_at is set is a tombstone (the record with its key was deleted then)
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`authenticators` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`_links`:struct<`activate`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`deactivate`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`methods`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>,`self`:struct<`hints`:struct<`allow`:array<string>>,`href`:string,`name`:string,`templated`:boolean,`type`:string>>,`created`:string,`description`:string,`id`:string,`key`:string,`lastUpdated`:string,`name`:string,`provider`:string,`settings`:string,`status`:string,`type`:string,`_ab_cdc_deleted_at`:string,`_oktalake_deleted_by`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/authenticators/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/authenticators/year=${year}/month=${month}/'
);

-- logs: System log events
CREATE EXTERNAL TABLE IF NOT EXISTS `okta`.`logs` (
  `_airbyte_raw_id` string,
  `_airbyte_extracted_at` bigint,
  `_airbyte_generation_id` bigint,
  `_airbyte_meta` struct<`changes`:array<struct<`field`:string,`change`:string,`reason`:string>>,`sync_id`:bigint>,
  `_airbyte_data` struct<`actor`:struct<`alternateId`:string,`detailEntry`:string,`displayName`:string,`id`:string,`type`:string>,`authenticationContext`:struct<`authenticationProvider`:string,`authenticationStep`:bigint,`credentialProvider`:string,`credentialType`:string,`externalSessionId`:string,`interface`:string,`issuer`:struct<`id`:string,`type`:string>>,`client`:struct<`device`:string,`geographicalContext`:struct<`city`:string,`country`:string,`geolocation`:struct<`lat`:double,`lon`:double>,`postalCode`:string,`state`:string>,`id`:string,`ipAddress`:string,`userAgent`:struct<`browser`:string,`os`:string,`rawUserAgent`:string>,`zone`:string>,`debugContext`:struct<`debugData`:string>,`displayMessage`:string,`eventType`:string,`legacyEventType`:string,`outcome`:struct<`reason`:string,`result`:string>,`published`:string,`request`:struct<`ipChain`:array<struct<`geographicalContext`:struct<`city`:string,`country`:string,`geolocation`:struct<`lat`:double,`lon`:double>,`postalCode`:string,`state`:string>,`ip`:string,`ipDetails`:struct<`asNumber`:bigint,`asOrg`:string,`domain`:string,`ipServiceCategories`:array<struct<`isAnonymous`:boolean,`operator`:string,`type`:string>>,`isp`:string>,`source`:string,`version`:string>>>,`securityContext`:struct<`asNumber`:bigint,`asOrg`:string,`botProtection`:struct<`level`:string>,`domain`:string,`ipDetails`:struct<`asNumber`:bigint,`asOrg`:string,`domain`:string,`ipServiceCategories`:array<struct<`isAnonymous`:boolean,`operator`:string,`type`:string>>,`isp`:string>,`isp`:string,`isProxy`:boolean,`risk`:struct<`detectionName`:string,`issuer`:string,`level`:string,`previousLevel`:string,`reasons`:array<string>>,`userBehaviors`:array<struct<`id`:string,`name`:string,`result`:string>>>,`severity`:string,`target`:array<struct<`alternateId`:string,`changeDetails`:struct<`from`:string,`to`:string>,`detailEntry`:string,`displayName`:string,`id`:string,`type`:string>>,`transaction`:struct<`detail`:string,`id`:string,`type`:string>,`uuid`:string,`version`:string>
)
PARTITIONED BY (`year` string, `month` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://okta-lake/data/okta/logs/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2000,2100',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://okta-lake/data/okta/logs/year=${year}/month=${month}/'
);
