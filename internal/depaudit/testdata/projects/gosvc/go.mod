module example.com/gosvc

go 1.22.1

require (
	example.com/vulna v1.1.9
	example.com/atfix v1.2.0
	example.com/pseudo-old v0.5.0-0.20200101000000-abcdefabcdef
	example.com/pseudo-new v0.5.1-0.20210101000000-abcdefabcdef
	example.com/incompat-hit v2.3.0+incompatible
	example.com/incompat-ok v2.3.1+incompatible
	example.com/lastaff-hit v1.4.0
	example.com/lastaff-ok v1.4.1
	example.com/intro-below v1.2.9
	example.com/intro-at v1.3.0
	example.com/branches v1.3.1
	example.com/branches-gap v1.2.7 // indirect
	example.com/replaced v1.0.0
	example.com/local v1.0.0
)

replace example.com/replaced => example.com/replacement v1.1.0

replace example.com/local => ../local
