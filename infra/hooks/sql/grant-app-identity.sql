-- Run by hooks/postprovision.sh with sqlcmd as the Entra administrator, on the
-- app database. Idempotent. Variables: $(IdentityName), $(IdentityClientId).
--
-- The Function App's user-assigned identity becomes a contained database user
-- with the least it needs: read and write rows. No DDL: migrations run as the
-- deployer (predeploy hook), never as the app.
--
-- WITH SID ... TYPE = E creates the Entra user without a Microsoft Graph lookup
-- (which would need the server to hold Directory Readers when a pipeline runs
-- this); for a managed identity the SID is its client (application) id.
SET NOCOUNT ON;
SET XACT_ABORT ON;

DECLARE @name sysname = N'$(IdentityName)';
DECLARE @sid varbinary(16) = CAST(CAST(N'$(IdentityClientId)' AS uniqueidentifier) AS varbinary(16));
DECLARE @existing varbinary(85) = (SELECT sid FROM sys.database_principals WHERE name = @name);
DECLARE @sql nvarchar(max);

IF @existing IS NOT NULL AND @existing <> @sid
    THROW 50001, 'A database user with the identity''s name exists for a different principal.', 1;

IF @existing IS NULL
BEGIN
    SET @sql = N'CREATE USER ' + QUOTENAME(@name)
             + N' WITH SID = ' + CONVERT(nvarchar(max), @sid, 1) + N', TYPE = E;';
    EXEC sys.sp_executesql @sql;
END;

-- Read and write rows in every table.
IF IS_ROLEMEMBER(N'db_datareader', @name) = 0
BEGIN
    SET @sql = N'ALTER ROLE db_datareader ADD MEMBER ' + QUOTENAME(@name) + N';';
    EXEC sys.sp_executesql @sql;
END;
IF IS_ROLEMEMBER(N'db_datawriter', @name) = 0
BEGIN
    SET @sql = N'ALTER ROLE db_datawriter ADD MEMBER ' + QUOTENAME(@name) + N';';
    EXEC sys.sp_executesql @sql;
END;

-- Nothing broader, even if someone granted it by hand.
IF IS_ROLEMEMBER(N'db_ddladmin', @name) = 1
BEGIN
    SET @sql = N'ALTER ROLE db_ddladmin DROP MEMBER ' + QUOTENAME(@name) + N';';
    EXEC sys.sp_executesql @sql;
END;
IF IS_ROLEMEMBER(N'db_owner', @name) = 1
BEGIN
    SET @sql = N'ALTER ROLE db_owner DROP MEMBER ' + QUOTENAME(@name) + N';';
    EXEC sys.sp_executesql @sql;
END;

SELECT p.name, p.type_desc, CAST(CAST(p.sid AS varbinary(16)) AS uniqueidentifier) AS entra_id,
       r.name AS role_name
FROM sys.database_principals AS p
LEFT JOIN sys.database_role_members AS m ON m.member_principal_id = p.principal_id
LEFT JOIN sys.database_principals AS r ON r.principal_id = m.role_principal_id
WHERE p.name = @name;
