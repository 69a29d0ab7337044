PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE rampart_schema (
    module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (module, version));
INSERT INTO rampart_schema VALUES('core',1,'foundation',1796663685.8020920753);
INSERT INTO rampart_schema VALUES('core',2,'kms-keys',1796663685.8086147308);
INSERT INTO rampart_schema VALUES('core',3,'iam-users-and-policies',1796663685.8216199875);
INSERT INTO rampart_schema VALUES('core',4,'kms-grants',1796663685.8298344612);
INSERT INTO rampart_schema VALUES('core',5,'audit-trail',1796663685.8419713974);
INSERT INTO rampart_schema VALUES('core',6,'cloudtrail-trails',1796663685.8496043681);
INSERT INTO rampart_schema VALUES('core',7,'kms-import-tokens',1796663685.8576419353);
INSERT INTO rampart_schema VALUES('core',8,'iam-entities',1796663685.8656454086);
INSERT INTO rampart_schema VALUES('core',9,'audit-resource-in-event',1796663685.8743059635);
INSERT INTO rampart_schema VALUES('core',10,'audit-events-by-age',1796663685.8816275596);
INSERT INTO rampart_schema VALUES('core',11,'audit-callers',1796663685.8879270553);
INSERT INTO rampart_schema VALUES('core',12,'audit-prune-in-row-order',1796663685.8934409618);
INSERT INTO rampart_schema VALUES('core',13,'audit-subscriber-cursors',1796663685.9019038677);
INSERT INTO rampart_schema VALUES('core',14,'documents',1796663685.9095833301);
INSERT INTO rampart_schema VALUES('core',15,'cloudtrail-event-selectors',1796663685.9177064895);
INSERT INTO rampart_schema VALUES('events',1,'outbox and schedules',1796663686.7700247764);
INSERT INTO rampart_schema VALUES('sns',1,'outbox',1796663686.7712321282);
INSERT INTO rampart_schema VALUES('sns',2,'signing keys',1796663686.7719721794);
INSERT INTO rampart_schema VALUES('sqs',1,'messages',1796663686.7726793289);
INSERT INTO rampart_schema VALUES('sqs',2,'sealed bodies',1796663686.7740478515);
CREATE TABLE rampart_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
INSERT INTO rampart_meta VALUES('root_key_check','[1,65,196,246,69,243,205,188,36,243,114,153,108,91,88,123,155,164,119,242,210,151,99,149,106,17,1,154,114,102,51,172,246,31,130,100,236,141,150,195,103,112,3,32,141,179,79,136,37,161,107]');
INSERT INTO rampart_meta VALUES('trail_digest_signing_key','[1,237,33,49,151,100,23,186,207,159,245,85,8,81,78,170,77,136,12,70,160,27,97,220,135,31,187,147,224,85,166,215,128,246,48,36,181,59,174,15,113,93,238,131,76,177,80,211,151,199,221,78,67,164,2,181,18,35,204,54,130,175,20,85,19,196,124,177,59,99,19,123,231,248,233,71,60,227,175,249,44,217,27,53,80,170,204,223,225,183,11,125,7,217,126,192,16,136,32,228,56,49,176,200,47,47,175,15,49,109,108,57,113,251,49,40,25,43,136,217,240,62,112,201,137,215,65,66,156,125,119,243,44,186,155,3,90,27,205,160,97,225,186,217,18,167,31,42,91,123,123,209,98,220,168,23,231,54,46,37,190,170,74,74,157,188,11,22,33,52,171,107,204,215,165,65,196,99,52,190,45,144,10,165,78,79,51,73,51,5,217,89,240,163,248,205,31,244,96,255,243,57,1,33,46,16,135,69,155,57,37,176,122,72,133,91,29,107,4,226,222,102,127,75,215,49,206,11,128,160,176,169,200,72,208,201,98,69,65,78,82,185,37,221,238,100,177,209,147,92,79,217,227,15,235,174,240,28,4,31,56,119,78,252,100,35,156,216,147,66,169,114,56,58,56,192,122,11,253,22,217,150,182,46,50,200,27,170,102,147,186,161,87,159,136,130,71,132,110,152,184,163,185,20,153,92,124,166,254,114,25,96,47,120,156,226,85,207,26,9,56,88,53,248,74,147,119,193,21,32,231,10,66,168,101,200,160,56,65,252,224,186,117,154,243,1,135,69,100,175,188,157,204,241,191,75,124,12,57,210,205,156,158,221,225,48,152,63,237,112,196,191,136,105,191,60,250,61,8,155,0,195,22,16,126,42,114,93,147,64,175,76,198,118,100,48,110,4,95,139,188,91,167,84,216,88,69,205,30,61,136,112,249,22,248,129,147,126,252,98,182,113,64,248,41,86,208,164,175,165,67,228,56,185,221,159,189,41,157,121,63,50,62,231,139,244,232,222,179,180,152,228,215,213,231,124,137,174,46,167,180,64,204,37,100,91,29,23,6,212,166,147,33,141,236,237,172,202,65,21,78,92,34,206,26,206,120,66,11,54,32,232,120,155,253,157,229,21,182,155,73,103,121,56,172,248,89,15,254,42,147,228,107,120,111,168,210,224,8,137,47,95,124,144,130,199,61,58,43,196,167,38,57,124,231,106,88,194,219,114,210,145,254,119,151,41,23,134,142,222,190,237,33,89,192,137,60,102,43,1,36,110,190,44,129,185,86,129,149,248,132,165,119,244,180,117,180,20,182,9,24,234,50,53,244,46,102,149,121,154,196,170,236,96,47,34,170,183,106,173,124,173,223,12,244,250,228,130,9,238,22,58,57,177,208,180,121,84,255,80,47,135,135,225,21,251,217,225,10,220,45,174,61,9,48,162,120,80,186,2,28,249,70,206,80,108,233,218,215,24,239,143,248,250,119,103,28,167,232,20,75,28,119,114,86,131,67,179,103,249,119,37,165,224,170,83,238,253,118,222,248,120,91,105,27,114,185,36,235,144,42,75,220,166,102,216,150,71,123,46,31,237,86,56,204,2,153,159,91,39,114,90,155,197,15,72,178,230,199,149,84,106,108,164,99,103,187,134,232,144,235,123,86,42,179,0,26,132,198,168,185,72,173,35,80,34,128,227,4,113,20,173,139,103,240,117,69,39,209,133,65,173,49,107,222,85,184,242,88,193,235,164,197,15,135,49,239,120,251,152,230,227,113,127,120,92,30,225,19,203,233,65,240,95,25,105,25,169,200,174,212,152,97,241,73,233,4,252,100,170,211,84,88,106,233,192,45,33,66,73,136,29,3,60,132,7,240,84,168,173,164,38,165,202,179,1,74,181,187,255,105,107,30,191,84,84,227,43,11,119,135,156,158,24,234,18,179,46,127,169,194,0,44,46,236,240,192,2,56,60,79,55,187,69,17,174,91,41,157,226,43,22,238,96,84,42,152,213,216,63,244,149,126,255,36,224,151,151,203,51,54,145,44,228,210,114,0,61,193,133,88,53,57,163,222,6,144,59,250,26,116,178,188,39,240,173,176,166,54,142,47,70,71,196,54,25,235,25,173,51,35,98,223,228,9,165,104,45,134,155,159,168,131,186,209,178,192,177,238,97,129,89,95,164,115,246,232,42,99,225,64,91,208,57,79,140,19,16,230,30,214,251,75,75,8,31,10,104,224,250,61,241,82,59,74,177,81,126,47,13,231,199,92,178,215,136,124,165,218,211,76,33,149,113,77,59,243,134,60,206,26,146,139,56,237,46,153,37,87,126,251,146,0,220,143,68,7,124,180,69,238,152,213,225,17,253,73,73,239,112,23,208,254,161,122,73,89,218,12,139,111,206,178,57,225,85,232,166,248,179,27,57,230,22,98,38,79,49,191,249,57,29,38,9,23,238,128,71,47,172,236,116,58,46,35,230,64,107,46,36,140,205,250,148,1,142,128,20,185,171,202,10,249,200,130,219,52,144,115,153,202,122,70,33,129,52,104,115,201,156,14,186,90,114,138,7,187,12,187,6,30,158,38,2,62,20,218,167,249,241,162,187,83,68,13,150,177,134,217,78,14,82,95,100,121,208,250,130,75,133,22,198,99,66,51,92,66,26,42,233,12,203,37,247,42,1,119,78,108,179,104,158,44,11,126,149,155,239,54,255,59,167,87,188,173,123,42,57,206,93,147,143,53,114,68,193,250,99,68,116,214]');
CREATE TABLE accounts (account_id TEXT PRIMARY KEY, created_at DOUBLE PRECISION NOT NULL);
INSERT INTO accounts VALUES('111122223333',1796663685.9579160213);
CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(account_id),
    user_name TEXT,
    sealed_secret BLOB NOT NULL,
    status TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL);
INSERT INTO access_keys VALUES('AKIAKXWT2MPA7ZKUDL4T','111122223333',NULL,'[1,189,106,147,28,102,1,171,82,12,137,86,126,200,36,93,123,55,52,73,32,232,224,37,135,63,32,213,49,212,80,113,171,118,51,248,211,219,18,11,186,150,163,244,125,62,163,221,215,236,114,208,132,239,61,114,30,207,244,210,37,90,59,16,122,236,165,144,43]','Active',1796663685.9579160213);
INSERT INTO access_keys VALUES('AKIALI4DKSIKIDIQNE6W','111122223333','alice','[1,95,162,130,235,101,182,179,209,148,217,137,167,129,118,93,94,23,146,93,210,90,52,151,175,108,137,66,84,156,78,221,51,67,218,168,197,152,43,212,216,85,33,194,89,19,226,194,223,138,171,229,12,89,181,62,14,174,228,86,82,224,231,128,191,209,211,180,149]','Active',1796663696.1580750941);
CREATE TABLE kms_keys (
    key_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    document TEXT NOT NULL);
INSERT INTO kms_keys VALUES('dd616ee7-6842-4a88-aec1-0a7b000f2276','111122223333','us-east-1','{"accountId":"111122223333","creationDate":818356495.7659495,"description":"fixture key","keyId":"dd616ee7-6842-4a88-aec1-0a7b000f2276","keyManager":"CUSTOMER","keySpec":"SYMMETRIC_DEFAULT","keyState":"Enabled","keyUsage":"ENCRYPT_DECRYPT","lastUsage":{"operation":"Encrypt","requestId":"3c01cfe7-1269-4615-99fc-85632af25ac3","timestamp":818356502.7778924},"materials":[{"createdAt":818356495.7659495,"materialId":"1b8894510e3594a04e783f6545776b2582115b89f02e49c26e802ba15973b7e5"}],"origin":"AWS_KMS","policy":"{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : \"arn:aws:iam::111122223333:root\"\n    },\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}","region":"us-east-1","tags":[]}');
INSERT INTO kms_keys VALUES('mrk-9b264bcdd367d22a287e136fd934de59/us-east-1','111122223333','us-east-1','{"accountId":"111122223333","creationDate":818356496.0180217,"description":"mrk","keyId":"mrk-9b264bcdd367d22a287e136fd934de59","keyManager":"CUSTOMER","keySpec":"SYMMETRIC_DEFAULT","keyState":"Enabled","keyUsage":"ENCRYPT_DECRYPT","materials":[{"createdAt":818356496.0180217,"materialId":"d8bdad550d087874de741032f06a68ce373d9409a7de5b74b46d8cefdf4766ea"}],"multiRegion":{"keyType":"PRIMARY","primaryRegion":"us-east-1","replicaRegions":[]},"origin":"AWS_KMS","policy":"{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : \"arn:aws:iam::111122223333:root\"\n    },\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}","region":"us-east-1","tags":[]}');
CREATE TABLE kms_key_materials (
    key_id TEXT NOT NULL REFERENCES kms_keys(key_id) ON DELETE CASCADE,
    material_id TEXT NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (key_id, material_id));
INSERT INTO kms_key_materials VALUES('dd616ee7-6842-4a88-aec1-0a7b000f2276','1b8894510e3594a04e783f6545776b2582115b89f02e49c26e802ba15973b7e5','[1,215,137,52,253,128,186,175,74,131,254,26,50,124,213,130,115,251,227,168,250,37,22,6,143,90,113,183,30,106,239,10,36,142,196,17,77,30,181,99,136,121,83,206,108,188,68,144,149,13,205,48,21,80,142,146,141,202,69,188,51]');
INSERT INTO kms_key_materials VALUES('mrk-9b264bcdd367d22a287e136fd934de59/us-east-1','d8bdad550d087874de741032f06a68ce373d9409a7de5b74b46d8cefdf4766ea','[1,176,217,210,75,234,247,75,16,154,205,113,161,36,85,231,23,21,27,141,143,26,206,39,16,148,126,103,162,167,171,141,8,199,205,4,111,114,201,185,142,74,176,50,3,135,176,66,47,230,106,18,249,95,2,245,3,105,104,86,44]');
CREATE TABLE kms_aliases (
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    alias_name TEXT NOT NULL,
    target_key_id TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account_id, region, alias_name));
INSERT INTO kms_aliases VALUES('111122223333','us-east-1','alias/fixture','dd616ee7-6842-4a88-aec1-0a7b000f2276',1796663695.8518557548,1796663695.8518557548);
CREATE TABLE iam_users (
    account_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (account_id, user_name));
INSERT INTO iam_users VALUES('111122223333','alice','{"accountId":"111122223333","createDate":818356496.0453185,"path":"\/","tags":[],"userId":"AIDAA35X6WPPASVC5OKXL","userName":"alice"}');
CREATE TABLE iam_inline_policies (
    account_id TEXT NOT NULL,
    owner_kind TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (account_id, owner_kind, owner_name, policy_name));
INSERT INTO iam_inline_policies VALUES('111122223333','user','alice','p','{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}');
CREATE TABLE kms_grants (
    grant_id TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    document TEXT NOT NULL);
INSERT INTO kms_grants VALUES('3830f86acf13705507488081ab7800dc75aa8fb4b074dc1020ed1b015450c5a9','dd616ee7-6842-4a88-aec1-0a7b000f2276','{"accountId":"111122223333","creationDate":818356495.9367218,"grantId":"3830f86acf13705507488081ab7800dc75aa8fb4b074dc1020ed1b015450c5a9","granteePrincipal":"arn:aws:iam::111122223333:user\/alice","issuingPrincipal":"arn:aws:iam::111122223333:root","keyId":"dd616ee7-6842-4a88-aec1-0a7b000f2276","operations":["Decrypt"],"region":"us-east-1"}');
CREATE TABLE audit_events (
    event_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    event_time DOUBLE PRECISION NOT NULL,
    event_name TEXT NOT NULL,
    event_source TEXT NOT NULL,
    read_only INTEGER NOT NULL,
    username TEXT,
    access_key_id TEXT,
    record TEXT NOT NULL, resource_type TEXT, resource_name TEXT, caller_id INTEGER);
INSERT INTO audit_events VALUES('01a25180-5995-7ad6-adc6-8c61d33408ee','111122223333','us-east-1',1796663695.7656879424,'CreateKey','kms.amazonaws.com',0,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"48be8be7-fbb6-41f5-b22f-32c0298708b3","requestParameters":{"description":"fixture key"},"resources":[{"ARN":"arn:aws:kms:us-east-1:111122223333:key/dd616ee7-6842-4a88-aec1-0a7b000f2276","accountId":"111122223333","type":"AWS::KMS::Key"}],"responseElements":{"keyMetadata":{"AWSAccountId":"111122223333","Arn":"arn:aws:kms:us-east-1:111122223333:key/dd616ee7-6842-4a88-aec1-0a7b000f2276","CreationDate":1796663695.766,"CurrentKeyMaterialId":"1b8894510e3594a04e783f6545776b2582115b89f02e49c26e802ba15973b7e5","CustomerMasterKeySpec":"SYMMETRIC_DEFAULT","Description":"fixture key","Enabled":true,"EncryptionAlgorithms":["SYMMETRIC_DEFAULT"],"KeyId":"dd616ee7-6842-4a88-aec1-0a7b000f2276","KeyManager":"CUSTOMER","KeySpec":"SYMMETRIC_DEFAULT","KeyState":"Enabled","KeyUsage":"ENCRYPT_DECRYPT","MultiRegion":false,"Origin":"AWS_KMS"}}}','AWS::KMS::Key','arn:aws:kms:us-east-1:111122223333:key/dd616ee7-6842-4a88-aec1-0a7b000f2276',1);
INSERT INTO audit_events VALUES('01a25180-59e9-7b5b-a2e6-5339c9519649','111122223333','us-east-1',1796663695.8495497702,'CreateAlias','kms.amazonaws.com',0,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"94070c12-ca07-47ed-a556-741d6220ace6","requestParameters":{"aliasName":"alias/fixture","targetKeyId":"dd616ee7-6842-4a88-aec1-0a7b000f2276"},"resources":[{"ARN":"arn:aws:kms:us-east-1:111122223333:key/dd616ee7-6842-4a88-aec1-0a7b000f2276","accountId":"111122223333","type":"AWS::KMS::Key"},{"ARN":"arn:aws:kms:us-east-1:111122223333:alias/fixture","accountId":"111122223333","type":"AWS::KMS::Key"}],"responseElements":{"keyId":"arn:aws:kms:us-east-1:111122223333:key/dd616ee7-6842-4a88-aec1-0a7b000f2276"}}','AWS::KMS::Key','arn:aws:kms:us-east-1:111122223333:key/dd616ee7-6842-4a88-aec1-0a7b000f2276',1);
INSERT INTO audit_events VALUES('01a25180-5a40-70b1-a789-d29735d829d0','111122223333','us-east-1',1796663695.9364240169,'CreateGrant','kms.amazonaws.com',0,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"56b505ad-6332-46fd-8e41-2a72e99c7ed0","requestParameters":{"granteePrincipal":"arn:aws:iam::111122223333:user/alice","keyId":"dd616ee7-6842-4a88-aec1-0a7b000f2276","operations":["Decrypt"]},"resources":[{"ARN":"arn:aws:kms:us-east-1:111122223333:key/dd616ee7-6842-4a88-aec1-0a7b000f2276","accountId":"111122223333","type":"AWS::KMS::Key"}],"responseElements":{"grantId":"3830f86acf13705507488081ab7800dc75aa8fb4b074dc1020ed1b015450c5a9"}}','AWS::KMS::Key','arn:aws:kms:us-east-1:111122223333:key/dd616ee7-6842-4a88-aec1-0a7b000f2276',1);
INSERT INTO audit_events VALUES('01a25180-5a25-7d08-bd71-4b603faf6570','111122223333','us-east-1',1796663695.9095032214,'Encrypt','kms.amazonaws.com',1,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"8b79731b-5190-488c-be8c-7fd7b7e1dbdf","requestParameters":{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"app":"fixture"},"keyId":"alias/fixture"},"resources":[{"ARN":"arn:aws:kms:us-east-1:111122223333:key/dd616ee7-6842-4a88-aec1-0a7b000f2276","accountId":"111122223333","type":"AWS::KMS::Key"}],"responseElements":null}','AWS::KMS::Key','arn:aws:kms:us-east-1:111122223333:key/dd616ee7-6842-4a88-aec1-0a7b000f2276',1);
INSERT INTO audit_events VALUES('01a25180-5a91-7544-ab38-ae29cb34fb24','111122223333','us-east-1',1796663696.0179100035,'CreateKey','kms.amazonaws.com',0,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"5e7a0215-fc57-4497-a41a-d61e0bd869a9","requestParameters":{"description":"mrk","multiRegion":true},"resources":[{"ARN":"arn:aws:kms:us-east-1:111122223333:key/mrk-9b264bcdd367d22a287e136fd934de59","accountId":"111122223333","type":"AWS::KMS::Key"}],"responseElements":{"keyMetadata":{"AWSAccountId":"111122223333","Arn":"arn:aws:kms:us-east-1:111122223333:key/mrk-9b264bcdd367d22a287e136fd934de59","CreationDate":1796663696.018,"CurrentKeyMaterialId":"d8bdad550d087874de741032f06a68ce373d9409a7de5b74b46d8cefdf4766ea","CustomerMasterKeySpec":"SYMMETRIC_DEFAULT","Description":"mrk","Enabled":true,"EncryptionAlgorithms":["SYMMETRIC_DEFAULT"],"KeyId":"mrk-9b264bcdd367d22a287e136fd934de59","KeyManager":"CUSTOMER","KeySpec":"SYMMETRIC_DEFAULT","KeyState":"Enabled","KeyUsage":"ENCRYPT_DECRYPT","MultiRegion":true,"MultiRegionConfiguration":{"MultiRegionKeyType":"PRIMARY","PrimaryKey":{"Arn":"arn:aws:kms:us-east-1:111122223333:key/mrk-9b264bcdd367d22a287e136fd934de59","Region":"us-east-1"},"ReplicaKeys":[]},"Origin":"AWS_KMS"}}}','AWS::KMS::Key','arn:aws:kms:us-east-1:111122223333:key/mrk-9b264bcdd367d22a287e136fd934de59',1);
INSERT INTO audit_events VALUES('01a25180-5aac-7629-bac4-8dd36a1609da','111122223333','us-east-1',1796663696.0443632602,'CreateUser','iam.amazonaws.com',0,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"33a8dee4-7c40-4fdc-8d0f-412823d9c7ed","requestParameters":{"userName":"alice"},"responseElements":{"user":{"arn":"arn:aws:iam::111122223333:user/alice","createDate":"Dec 7, 2026, 5:14:56 PM","path":"/","userId":"AIDAA35X6WPPASVC5OKXL","userName":"alice"}}}',NULL,NULL,2);
INSERT INTO audit_events VALUES('01a25180-5ad0-7fde-a0b7-a5bc189cdb1e','111122223333','us-east-1',1796663696.080151081,'PutUserPolicy','iam.amazonaws.com',0,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"708c3457-0d6c-456d-aedf-4ac84bf5c88f","requestParameters":{"policyDocument":"{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"kms:Decrypt\", \"Resource\": \"*\"}]}","policyName":"p","userName":"alice"},"responseElements":null}',NULL,NULL,2);
INSERT INTO audit_events VALUES('01a25180-5b1d-73df-a36d-5b710d7b9f33','111122223333','us-east-1',1796663696.157463789,'CreateAccessKey','iam.amazonaws.com',0,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"4f7a2400-0798-4410-b4c7-0f36ac21f0ab","requestParameters":{"userName":"alice"},"responseElements":{"accessKey":{"accessKeyId":"AKIALI4DKSIKIDIQNE6W","createDate":"Dec 7, 2026, 5:14:56 PM","status":"Active","userName":"alice"}}}',NULL,NULL,2);
INSERT INTO audit_events VALUES('01a25180-5b49-7530-8ff2-4bacaac08c0f','111122223333','us-east-1',1796663696.2016892432,'CreateRole','iam.amazonaws.com',0,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"9a55a318-1c53-4419-904d-de944fb47c88","requestParameters":{"assumeRolePolicyDocument":"{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"}, \"Action\": \"sts:AssumeRole\"}]}","roleName":"r"},"responseElements":{"role":{"arn":"arn:aws:iam::111122223333:role/r","assumeRolePolicyDocument":"%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Principal%22%3A%20%7B%22AWS%22%3A%20%22arn%3Aaws%3Aiam%3A%3A111122223333%3Aroot%22%7D%2C%20%22Action%22%3A%20%22sts%3AAssumeRole%22%7D%5D%7D","createDate":"Dec 7, 2026, 5:14:56 PM","path":"/","roleId":"AROA7D2UKHNNFXWWJ36TI","roleName":"r"}}}',NULL,NULL,2);
INSERT INTO audit_events VALUES('01a25180-5ba3-750e-a0fc-0af16ac4d644','111122223333','us-east-1',1796663696.291719675,'CreateTrail','cloudtrail.amazonaws.com',0,'root','AKIAKXWT2MPA7ZKUDL4T','{"errorCode":"InvalidTrailNameException","errorMessage":"Trail name t is not valid.","eventType":"AwsApiCall","requestID":"738f365c-4e3b-4f1c-9fa5-85b73d358f13","requestParameters":{"name":"t","s3BucketName":"b"},"responseElements":null}',NULL,NULL,2);
INSERT INTO audit_events VALUES('01a25180-752e-7f69-9718-ac168f4d6cea','111122223333','us-east-1',1796663702.8304247856,'CreateTrail','cloudtrail.amazonaws.com',0,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"3e18ed61-7f0a-496b-8f5d-8f74c669b5e4","requestParameters":{"name":"fixture-trail","s3BucketName":"bucket"},"responseElements":null}',NULL,NULL,3);
INSERT INTO audit_events VALUES('01a25180-7568-72d3-96ed-88ba4ca1758c','111122223333','us-east-1',1796663702.8886423111,'PutEventSelectors','cloudtrail.amazonaws.com',0,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"f85a37bf-b6ca-4d00-acae-483dd7970caa","requestParameters":{"eventSelectors":[{"includeManagementEvents":true,"readWriteType":"All"}],"trailName":"fixture-trail"},"responseElements":null}',NULL,NULL,3);
INSERT INTO audit_events VALUES('01a25180-74dc-7d9d-bb57-156179f4b8c9','111122223333','us-east-1',1796663702.7484607696,'ListAliases','kms.amazonaws.com',1,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"d57478e6-2177-4089-8145-c0d41d1c5d99","requestParameters":null,"responseElements":null}',NULL,NULL,4);
INSERT INTO audit_events VALUES('01a25180-74f9-759f-810d-10c4d99d60ca','111122223333','us-east-1',1796663702.7777466774,'Encrypt','kms.amazonaws.com',1,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"3c01cfe7-1269-4615-99fc-85632af25ac3","requestParameters":{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"app":"fixture"},"keyId":"alias/fixture"},"resources":[{"ARN":"arn:aws:kms:us-east-1:111122223333:key/dd616ee7-6842-4a88-aec1-0a7b000f2276","accountId":"111122223333","type":"AWS::KMS::Key"}],"responseElements":null}','AWS::KMS::Key','arn:aws:kms:us-east-1:111122223333:key/dd616ee7-6842-4a88-aec1-0a7b000f2276',4);
INSERT INTO audit_events VALUES('01a25180-7505-7741-8d5c-6fda7626b0e9','111122223333','us-east-1',1796663702.7897827625,'ListAccessKeys','iam.amazonaws.com',1,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"7d3412ce-e80d-4369-90ff-d6dcd8ecd681","requestParameters":{"userName":"alice"},"responseElements":null}',NULL,NULL,3);
INSERT INTO audit_events VALUES('01a25180-75d4-75c6-9670-0f2cb703562d','111122223333','us-east-1',1796663702.9963583946,'ListKeys','kms.amazonaws.com',1,'root','AKIAKXWT2MPA7ZKUDL4T','{"eventType":"AwsApiCall","requestID":"6199ac39-0838-459f-8358-b937ca0ce264","requestParameters":null,"responseElements":null}',NULL,NULL,4);
CREATE TABLE audit_resources (
    event_id TEXT NOT NULL REFERENCES audit_events(event_id) ON DELETE CASCADE,
    resource_type TEXT NOT NULL,
    resource_name TEXT NOT NULL);
INSERT INTO audit_resources VALUES('01a25180-59e9-7b5b-a2e6-5339c9519649','AWS::KMS::Key','arn:aws:kms:us-east-1:111122223333:alias/fixture');
CREATE TABLE audit_trails (
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    document TEXT NOT NULL, event_selectors TEXT,
    PRIMARY KEY (account_id, region, name));
INSERT INTO audit_trails VALUES('111122223333','us-east-1','fixture-trail','{"accountId":"111122223333","includeGlobalServiceEvents":true,"isLogging":false,"isMultiRegionTrail":false,"logFileValidationEnabled":false,"name":"fixture-trail","region":"us-east-1","s3BucketName":"bucket","tags":{}}','{"basic":{"_0":[{"dataResources":[],"excludeManagementEventSources":[],"includeManagementEvents":true,"readWriteType":"All"}]}}');
CREATE TABLE kms_import_tokens (
    token_hash TEXT PRIMARY KEY,
    key_id TEXT NOT NULL REFERENCES kms_keys(key_id) ON DELETE CASCADE,
    algorithm TEXT NOT NULL,
    sealed BLOB NOT NULL,
    valid_to DOUBLE PRECISION NOT NULL);
CREATE TABLE iam_entities (
    account_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, name));
INSERT INTO iam_entities VALUES('111122223333','role','r','{"accountId":"111122223333","assumeRolePolicy":"{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"}, \"Action\": \"sts:AssumeRole\"}]}","attachedPolicies":[],"createDate":818356496.2022527,"maxSessionDuration":3600,"path":"\/","roleId":"AROA7D2UKHNNFXWWJ36TI","roleName":"r","tags":[]}');
CREATE TABLE audit_callers (id INTEGER PRIMARY KEY, part TEXT NOT NULL UNIQUE);
INSERT INTO audit_callers VALUES(1,'{"sourceIPAddress":"127.0.0.1","userAgent":"Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18.44-fc-v1272 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/Z,N,D,n,b cfg/retry-mode#legacy Botocore/1.43.11","userIdentity":{"accessKeyId":"AKIAKXWT2MPA7ZKUDL4T","accountId":"111122223333","arn":"arn:aws:iam::111122223333:root","principalId":"111122223333","type":"Root"}}');
INSERT INTO audit_callers VALUES(2,'{"sourceIPAddress":"127.0.0.1","userAgent":"Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18.44-fc-v1272 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/Z,N,b,D cfg/retry-mode#legacy Botocore/1.43.11","userIdentity":{"accessKeyId":"AKIAKXWT2MPA7ZKUDL4T","accountId":"111122223333","arn":"arn:aws:iam::111122223333:root","principalId":"111122223333","type":"Root"}}');
INSERT INTO audit_callers VALUES(3,'{"sourceIPAddress":"127.0.0.1","userAgent":"Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18.44-fc-v1272 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/b,N,D,Z cfg/retry-mode#legacy Botocore/1.43.11","userIdentity":{"accessKeyId":"AKIAKXWT2MPA7ZKUDL4T","accountId":"111122223333","arn":"arn:aws:iam::111122223333:root","principalId":"111122223333","type":"Root"}}');
INSERT INTO audit_callers VALUES(4,'{"sourceIPAddress":"127.0.0.1","userAgent":"Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18.44-fc-v1272 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/n,N,D,b,Z cfg/retry-mode#legacy Botocore/1.43.11","userIdentity":{"accessKeyId":"AKIAKXWT2MPA7ZKUDL4T","accountId":"111122223333","arn":"arn:aws:iam::111122223333:root","principalId":"111122223333","type":"Root"}}');
CREATE TABLE audit_subscriber_cursors (name TEXT PRIMARY KEY, sequence BIGINT NOT NULL);
INSERT INTO audit_subscriber_cursors VALUES('events',16);
CREATE TABLE rampart_documents (
    module TEXT NOT NULL,
    kind TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    id TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (module, kind, account_id, region, id));
CREATE TABLE events_outbox (
    id TEXT NOT NULL PRIMARY KEY,
    rule_arn TEXT NOT NULL,
    rule_account TEXT NOT NULL,
    region TEXT NOT NULL,
    target_arn TEXT NOT NULL,
    body TEXT NOT NULL,
    event TEXT,
    dead_letter_arn TEXT,
    max_attempts BIGINT NOT NULL,
    max_age BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    enqueued_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL);
CREATE TABLE events_schedules (
    rule_arn TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    bus_name TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    next_at BIGINT NOT NULL);
CREATE TABLE sns_outbox (
    id TEXT NOT NULL PRIMARY KEY,
    due_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    sealed BIGINT NOT NULL,
    claimed BIGINT NOT NULL DEFAULT 0,
    delivery TEXT NOT NULL);
CREATE TABLE sns_signing_keys (id TEXT NOT NULL PRIMARY KEY, sealed_key TEXT NOT NULL, certificate TEXT NOT NULL);
CREATE TABLE sqs_messages (
    queue_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    md5_body TEXT NOT NULL,
    attributes TEXT,
    md5_attributes TEXT,
    trace_header TEXT,
    sender_id TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    visible_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    receive_count BIGINT NOT NULL,
    first_received_at BIGINT,
    receipt_token TEXT,
    dead_letter_source TEXT, data_key TEXT, key_context TEXT,
    PRIMARY KEY (queue_id, message_id));
CREATE INDEX access_keys_by_account ON access_keys (account_id, user_name);
CREATE INDEX kms_keys_by_owner ON kms_keys (account_id, region);
CREATE INDEX kms_grants_by_key ON kms_grants (key_id);
CREATE INDEX audit_events_by_time ON audit_events (account_id, region, event_time);
CREATE INDEX audit_resources_by_name ON audit_resources (resource_name);
CREATE INDEX audit_resources_by_event ON audit_resources (event_id);
CREATE INDEX audit_events_by_resource ON audit_events (resource_name) WHERE resource_name IS NOT NULL;
CREATE INDEX events_outbox_by_due ON events_outbox (due_at);
CREATE INDEX events_schedules_by_next ON events_schedules (next_at);
CREATE INDEX sns_outbox_by_due ON sns_outbox (due_at);
CREATE INDEX sqs_messages_by_visibility ON sqs_messages (queue_id, visible_at, sent_at);
COMMIT;
