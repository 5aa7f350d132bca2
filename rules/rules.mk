# rules/rules.mk - the shipped rule pack: the *.drl files, installed in
# $(rulesdir) with their *.test.json cases (so `cloudengine test-rules`
# works on an installed tree too), and the check that runs those cases.
# (Included by Makefile.am; rules/original.drl is listed there.)

dist_rules_DATA += \
	rules/bedrock.drl \
	rules/bedrock.test.json \
	rules/cloudtrail.drl \
	rules/cloudtrail.test.json \
	rules/cloudwatch.drl \
	rules/cloudwatch.test.json \
	rules/codebuild.drl \
	rules/codebuild.test.json \
	rules/config.drl \
	rules/config.test.json \
	rules/ec2.drl \
	rules/ec2.test.json \
	rules/ecr.drl \
	rules/ecr.test.json \
	rules/global.drl \
	rules/global.test.json \
	rules/guardduty.drl \
	rules/guardduty.test.json \
	rules/iam.drl \
	rules/iam.test.json \
	rules/kms.drl \
	rules/kms.test.json \
	rules/lambda.drl \
	rules/lambda.test.json \
	rules/organizations.drl \
	rules/organizations.test.json \
	rules/rds.drl \
	rules/rds.test.json \
	rules/route53resolver.drl \
	rules/route53resolver.test.json \
	rules/s3.drl \
	rules/s3.test.json \
	rules/secretsmanager.drl \
	rules/secretsmanager.test.json \
	rules/signin.drl \
	rules/signin.test.json \
	rules/ssm.drl \
	rules/ssm.test.json \
	rules/sts.drl \
	rules/sts.test.json

TESTS += rules/test_rules.sh
EXTRA_DIST += rules/test_rules.sh
